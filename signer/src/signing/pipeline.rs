//! Running numbered jobs on every core and consuming their results in
//! order, with no barrier between batches.
//!
//! Signing threads take the next job number from a shared counter, so jobs
//! start in order and finish nearly in order; the calling thread puts the
//! few that finish early aside until their turn. Compared with waves of
//! jobs (each wave waiting for its slowest job), no thread ever idles while
//! work is left, and memory stays bounded: a bounded channel stops the
//! workers when the consumer (writing the output) falls behind.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::sync_channel;

/// Finished jobs that may wait in the channel per worker thread.
const QUEUED_PER_THREAD: usize = 4;

/// Runs `job(0) .. job(count - 1)` on the rayon pool and passes each
/// result to `consume` in job order, on the calling thread. Stops at the
/// first error from either side and returns it; jobs not yet started then
/// never start.
pub fn run_in_order<T: Send, E: Send>(
    count: usize,
    job: impl Fn(usize) -> Result<T, E> + Sync,
    mut consume: impl FnMut(T) -> Result<(), E>,
) -> Result<(), E> {
    let threads = rayon::current_num_threads().max(1);
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (sender, finished) = sync_channel::<(usize, Result<T, E>)>(threads * QUEUED_PER_THREAD);
    let worker = |sender: std::sync::mpsc::SyncSender<(usize, Result<T, E>)>| loop {
        let index = next.fetch_add(1, Ordering::Relaxed);
        if index >= count || stop.load(Ordering::Relaxed) {
            break;
        }
        let result = job(index);
        if result.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        // A closed channel means the consumer gave up: stop too.
        if sender.send((index, result)).is_err() {
            stop.store(true, Ordering::Relaxed);
            break;
        }
    };
    std::thread::scope(|scope| {
        scope.spawn(|| {
            rayon::scope(|pool| {
                for _ in 0..threads.min(count) {
                    let sender = sender.clone();
                    pool.spawn(|_| worker(sender));
                }
            });
            drop(sender);
        });
        let outcome = consume_in_order(finished, &mut consume);
        if outcome.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        // Leaving the scope drops `finished` (closing the channel, so any
        // worker blocked on it stops) and then joins the workers.
        outcome
    })
}

/// Hands results to `consume` in index order, setting aside those that
/// arrive early. Returns at the first error.
fn consume_in_order<T, E>(
    finished: std::sync::mpsc::Receiver<(usize, Result<T, E>)>,
    consume: &mut impl FnMut(T) -> Result<(), E>,
) -> Result<(), E> {
    let mut early = BTreeMap::new();
    let mut wanted = 0;
    for (index, result) in finished {
        if index != wanted {
            early.insert(index, result);
            continue;
        }
        consume(result?)?;
        wanted += 1;
        while let Some(result) = early.remove(&wanted) {
            consume(result?)?;
            wanted += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_arrive_in_job_order() {
        let mut seen = Vec::new();
        let result: Result<(), ()> = run_in_order(
            2_000,
            |i| {
                // Uneven job lengths, so jobs finish out of order.
                if i % 7 == 0 {
                    std::thread::sleep(std::time::Duration::from_micros(200));
                }
                Ok(i * 3)
            },
            |v| {
                seen.push(v);
                Ok(())
            },
        );
        assert_eq!(result, Ok(()));
        assert_eq!(seen, (0..2_000).map(|i| i * 3).collect::<Vec<_>>());
    }

    #[test]
    fn zero_jobs_consume_nothing() {
        let result: Result<(), ()> = run_in_order(0, Ok, |_| panic!("nothing to consume"));
        assert_eq!(result, Ok(()));
    }

    #[test]
    fn a_job_error_stops_the_run_after_the_earlier_results() {
        let mut seen = Vec::new();
        let started = AtomicUsize::new(0);
        let result = run_in_order(
            100_000,
            |i| {
                started.fetch_add(1, Ordering::Relaxed);
                if i == 50 {
                    Err(format!("job {i} failed"))
                } else {
                    Ok(i)
                }
            },
            |v| {
                seen.push(v);
                Ok(())
            },
        );
        assert_eq!(result, Err("job 50 failed".to_string()));
        assert_eq!(seen, (0..50).collect::<Vec<_>>());
        assert!(
            started.load(Ordering::Relaxed) < 100_000,
            "jobs kept starting after the error"
        );
    }

    #[test]
    fn a_consumer_error_stops_the_workers() {
        let started = AtomicUsize::new(0);
        let result = run_in_order(
            100_000,
            |i| {
                started.fetch_add(1, Ordering::Relaxed);
                Ok(i)
            },
            |v| if v == 10 { Err("disk full") } else { Ok(()) },
        );
        assert_eq!(result, Err("disk full"));
        assert!(
            started.load(Ordering::Relaxed) < 100_000,
            "jobs kept starting after the consumer failed"
        );
    }
}
