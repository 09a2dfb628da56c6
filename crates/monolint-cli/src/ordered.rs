//! Work on several threads, results handed on in order.
//!
//! A run lints its files on every core but reports them in path order, streaming, with
//! memory bounded however large the site. Windows of files linted in parallel (the first
//! form of this) make every thread wait at the end of each window for the slowest file of
//! it: with 156 windows on 20,000 pages, two threads were 1.5-1.7x one. Here no thread
//! waits for another except when it has got `ahead` files in front of the report.
//!
//! rayon has no in-order sink with bounded look-ahead; the crates that do need `'static`
//! closures or a consumer thread of their own. This is a shared counter of jobs, a queue of
//! finished results, and a thread that puts a result in while no other is reporting hands
//! on every result that is ready, in order: no thread is kept only to report.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// Runs `work(i)` for every `i` in `0..n` on `threads` threads (the calling one among
/// them), and `sink(i, result)` for each in order of `i`, one at a time. At most `ahead`
/// results wait for the sink: a thread that would get further ahead waits.
///
/// A panic in `work` or `sink` is resumed on the calling thread once the other threads
/// have stopped taking work. `Err` is why a thread could not be started: the work was
/// then done, all of it, on those that could.
pub fn run<T, W, S>(
    n: usize,
    threads: usize,
    ahead: usize,
    work: W,
    mut sink: S,
) -> std::io::Result<()>
where
    T: Send,
    W: Fn(usize) -> T + Sync,
    S: FnMut(usize, T) + Send,
{
    if threads <= 1 || n <= 1 {
        for i in 0..n {
            sink(i, work(i));
        }
        return Ok(());
    }
    let shared = Shared {
        next: AtomicUsize::new(0),
        ahead: ahead.max(1),
        n,
        stop: AtomicBool::new(false),
        queue: Mutex::new(Queue {
            reported: 0,
            done: VecDeque::new(),
            reporting: false,
        }),
        room: Condvar::new(),
        sink: Mutex::new(sink),
    };
    let worker = || {
        let _stop = StopOnPanic(&shared);
        shared.work(&work);
    };
    std::thread::scope(|scope| {
        let mut started = Ok(());
        for _ in 1..threads.min(n) {
            if let Err(e) = std::thread::Builder::new().spawn_scoped(scope, worker) {
                started = Err(e);
                break;
            }
        }
        worker();
        started
    })
}

struct Shared<T, S> {
    /// The next job to take.
    next: AtomicUsize,
    ahead: usize,
    n: usize,
    /// Set when a thread panicked: the others stop rather than wait for its result.
    stop: AtomicBool,
    queue: Mutex<Queue<T>>,
    /// Signalled when the report moves on, or on a stop.
    room: Condvar,
    sink: Mutex<S>,
}

struct Queue<T> {
    /// How many results the sink has had.
    reported: usize,
    /// Results from job `reported` on; `None` while one is still being worked on.
    done: VecDeque<Option<T>>,
    /// Whether a thread is handing results on.
    reporting: bool,
}

fn lock<X>(m: &Mutex<X>) -> MutexGuard<'_, X> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<T, S: FnMut(usize, T)> Shared<T, S> {
    fn work(&self, work: &impl Fn(usize) -> T) {
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            if i >= self.n || self.stop.load(Ordering::Relaxed) {
                return;
            }
            {
                let mut q = lock(&self.queue);
                while i >= q.reported + self.ahead {
                    if self.stop.load(Ordering::Relaxed) {
                        return;
                    }
                    q = self.room.wait(q).unwrap_or_else(PoisonError::into_inner);
                }
            }
            let result = work(i);
            let report = {
                let mut q = lock(&self.queue);
                let k = i - q.reported;
                if q.done.len() <= k {
                    q.done.resize_with(k + 1, || None);
                }
                q.done[k] = Some(result);
                // one thread at a time hands results on; it looks for the next one under
                // the same lock as this, so a result is never left behind
                !std::mem::replace(&mut q.reporting, true)
            };
            if report {
                self.hand_on();
            }
        }
    }

    /// Hands every result that is ready, in order, to the sink; called by the thread
    /// that set `reporting`, which it clears once the next result is not ready.
    fn hand_on(&self) {
        let mut sink = lock(&self.sink);
        loop {
            let (i, result) = {
                let mut q = lock(&self.queue);
                match q.done.front_mut().and_then(Option::take) {
                    Some(result) => {
                        q.done.pop_front();
                        q.reported += 1;
                        self.room.notify_all();
                        (q.reported - 1, result)
                    }
                    None => {
                        q.reporting = false;
                        return;
                    }
                }
            };
            sink(i, result);
        }
    }
}

/// Stops the other threads when its thread unwinds, so none waits for a result that will
/// never come (the scope then resumes the panic).
struct StopOnPanic<'a, T, S>(&'a Shared<T, S>);

impl<T, S> Drop for StopOnPanic<'_, T, S> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.stop.store(true, Ordering::Relaxed);
            let _q = lock(&self.0.queue);
            self.0.room.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn collect(n: usize, threads: usize, ahead: usize, delay: impl Fn(usize) -> u64 + Sync) {
        let seen = Mutex::new(Vec::new());
        let waiting = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let mut got = Vec::new();
        let started = run(
            n,
            threads,
            ahead,
            |i| {
                std::thread::sleep(Duration::from_micros(delay(i)));
                lock(&seen).push(i);
                let w = waiting.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(w, Ordering::SeqCst);
                i * 3
            },
            |i, r| {
                waiting.fetch_sub(1, Ordering::SeqCst);
                got.push((i, r));
            },
        );
        assert!(started.is_ok());
        let want: Vec<(usize, usize)> = (0..n).map(|i| (i, i * 3)).collect();
        assert_eq!(got, want, "{n} jobs on {threads} threads");
        let mut seen = seen.into_inner().unwrap();
        seen.sort_unstable();
        assert_eq!(seen, (0..n).collect::<Vec<_>>(), "each job once");
        // finished and not yet handed on: never more than `ahead` in the queue, plus the
        // one the sink has taken and is still busy with
        assert!(
            most.load(Ordering::SeqCst) <= ahead.max(1) + 1,
            "{} results waited, ahead {ahead}",
            most.load(Ordering::SeqCst)
        );
    }

    #[test]
    fn every_result_is_handed_on_once_in_order() {
        for threads in [1, 2, 3, 8] {
            for n in [0, 1, 2, 5, 100] {
                collect(n, threads, 4, |i| (i % 7) as u64 * 20);
            }
        }
    }

    #[test]
    fn a_slow_first_job_holds_the_others_at_most_ahead() {
        // job 0 takes long; the other threads run ahead only as far as `ahead` allows
        for ahead in [1, 3, 16] {
            collect(40, 3, ahead, |i| if i == 0 { 30_000 } else { 100 });
        }
    }

    #[test]
    fn results_are_made_on_more_than_one_thread() {
        let ids = Mutex::new(std::collections::HashSet::new());
        let started = run(
            64,
            2,
            8,
            |_| {
                std::thread::sleep(Duration::from_millis(2));
                lock(&ids).insert(std::thread::current().id());
            },
            |_, ()| {},
        );
        assert!(started.is_ok());
        assert_eq!(ids.into_inner().unwrap().len(), 2);
    }

    #[test]
    fn a_panic_in_work_reaches_the_caller_and_no_thread_hangs() {
        let got = std::panic::catch_unwind(|| {
            let _ = run(
                1000,
                3,
                2,
                |i| {
                    if i == 5 {
                        panic!("job 5");
                    }
                    std::thread::sleep(Duration::from_micros(50));
                },
                |_, ()| {},
            );
        });
        assert!(got.is_err());
    }
}
