//! Where each record of a zone was read, in 8 octets per record.
//!
//! Every warning and error about an unsigned zone names the file and line
//! of the record at fault, so the reader keeps a location per record until
//! the checks are done. A [`Location`] is 24 octets (a shared file name and
//! a line number); for the 3.4 M records of a 1 M-delegation TLD that is
//! 82 MB of fresh memory at the moment the zone's memory peaks. A [`Line`]
//! is a line number and an index into a small table of [`Files`]: all
//! records but those of `$INCLUDE`d files share file 0.

use std::path::Path;
use std::sync::Arc;

use keybundles::zonefile::Location;

/// Where one record was read: an index into [`Files`] and a line number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line {
    file: u32,
    /// The line number, or `u32::MAX` for a line past it (a 4-billion-line
    /// file: over 100 GB of zone text).
    line: u32,
}

/// The files records were read from, each once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Files {
    paths: Vec<Arc<Path>>,
}

impl Files {
    /// A table whose file 0 is `main`, the zone file itself.
    pub fn new(main: Arc<Path>) -> Files {
        Files { paths: vec![main] }
    }

    /// The compact form of `location`, adding its file to the table when
    /// it is new. Files are few, so a scan from the last one finds it.
    pub fn line(&mut self, location: &Location) -> Line {
        let file = match self.paths.iter().rposition(|path| Arc::ptr_eq(path, &location.file)) {
            Some(index) => index,
            None => match self.paths.iter().position(|path| *path == location.file) {
                Some(index) => index,
                None => {
                    self.paths.push(location.file.clone());
                    self.paths.len() - 1
                }
            },
        };
        Line {
            file: u32::try_from(file).unwrap_or(u32::MAX),
            line: u32::try_from(location.line).unwrap_or(u32::MAX),
        }
    }

    /// The full location `line` stands for.
    pub fn location(&self, line: Line) -> Location {
        let file = usize::try_from(line.file).unwrap_or(usize::MAX);
        Location {
            // Every `Line` comes from this table, so its file is in it;
            // an empty path is the fallback rather than a panic.
            file: self
                .paths
                .get(file)
                .cloned()
                .unwrap_or_else(|| Arc::from(Path::new(""))),
            line: line.line as usize,
        }
    }

    /// Makes `other`'s lines (read against `other`) refer to this table,
    /// adding the files this table does not have yet.
    pub fn adopt(&mut self, other: &Files, lines: &mut [Line]) {
        let map: Vec<u32> = other
            .paths
            .iter()
            .map(|path| {
                self.line(&Location {
                    file: path.clone(),
                    line: 0,
                })
                .file
            })
            .collect();
        if map.iter().enumerate().all(|(i, &to)| i as u32 == to) {
            return;
        }
        for line in lines {
            if let Some(&to) = map.get(line.file as usize) {
                line.file = to;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(file: &Arc<Path>, line: usize) -> Location {
        Location {
            file: file.clone(),
            line,
        }
    }

    #[test]
    fn lines_give_back_their_locations() {
        let main: Arc<Path> = Arc::from(Path::new("zone.db"));
        let included: Arc<Path> = Arc::from(Path::new("glue.inc"));
        let mut files = Files::new(main.clone());
        let locations = [at(&main, 1), at(&included, 7), at(&main, 9), at(&included, 3)];
        let lines: Vec<Line> = locations.iter().map(|l| files.line(l)).collect();
        let back: Vec<Location> = lines.iter().map(|&l| files.location(l)).collect();
        assert_eq!(back, locations);
        assert_eq!(files.paths.len(), 2, "each file once");
        // An equal path in another allocation is the same file.
        let again = files.line(&at(&Arc::from(Path::new("glue.inc")), 4));
        assert_eq!(again.file, 1);
    }

    #[test]
    fn huge_line_numbers_saturate() {
        let main: Arc<Path> = Arc::from(Path::new("zone.db"));
        let mut files = Files::new(main.clone());
        let line = files.line(&at(&main, usize::MAX));
        assert_eq!(files.location(line).line, u32::MAX as usize);
    }

    #[test]
    fn adopting_remaps_only_files_that_differ() {
        let main: Arc<Path> = Arc::from(Path::new("zone.db"));
        let (a, b): (Arc<Path>, Arc<Path>) = (Arc::from(Path::new("a.inc")), Arc::from(Path::new("b.inc")));
        let mut whole = Files::new(main.clone());
        whole.line(&at(&a, 1));
        // A piece that met b.inc first: its index 1 is whole's index 2.
        let mut piece = Files::new(main.clone());
        let mut lines = vec![
            piece.line(&at(&b, 5)),
            piece.line(&at(&main, 6)),
            piece.line(&at(&a, 2)),
        ];
        whole.adopt(&piece, &mut lines);
        let back: Vec<Location> = lines.iter().map(|&l| whole.location(l)).collect();
        assert_eq!(back, [at(&b, 5), at(&main, 6), at(&a, 2)]);
    }
}
