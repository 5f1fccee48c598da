//! Error messages for people: an error and its causes, each said once.

/// The messages of an error and its chain of causes, outermost first,
/// leaving out each cause whose text the message before it already holds.
///
/// Many errors put their source's text into their own message
/// (`"cannot read {path}: {source}"`) and also give it as their source;
/// printing the chain (`caused by: …`, or `{:#}`) then said the reason
/// twice. Both binaries print errors through this.
pub fn said_once(messages: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut said: Vec<String> = Vec::new();
    for message in messages {
        if said.last().is_some_and(|last| last.contains(message.as_str())) {
            continue;
        }
        said.push(message);
    }
    said
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_cause_already_in_the_message_is_left_out() {
        let chain = strings(&[
            "cannot read zone.signed: No such file or directory (os error 2)",
            "No such file or directory (os error 2)",
        ]);
        assert_eq!(said_once(chain.clone()), chain[..1]);
    }

    #[test]
    fn causes_that_add_something_stay_in_order() {
        let chain = strings(&[
            "signing example.",
            "reading K.private: permission denied",
            "permission denied",
        ]);
        assert_eq!(said_once(chain.clone()), chain[..2]);
        let distinct = strings(&["publishing", "the lock is held by pid 7", "EWOULDBLOCK"]);
        assert_eq!(said_once(distinct.clone()), distinct);
    }
}
