//! 大量処理を行う場合でもオンライン処理に影響が出ないこと (9.1, j1280): batch work runs on
//! a thread of its own at the lowest OS priority (nice 19 on Linux), so that the counter's
//! requests on the runtime's threads take the processors first; the batch gets what they
//! leave. The thread ends with the work (a lowered priority is never handed to another
//! task).

use std::future::Future;

/// Runs `work` to completion on a new thread at the lowest priority, driving it with
/// `runtime` (the server's, so that its store and timers serve it), and answers its
/// result; None when the thread could not be started or the work panicked.
pub async fn at_low_priority<F, T>(runtime: tokio::runtime::Handle, work: F) -> Option<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let (tx, rx) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("kikan-batch".into())
        .spawn(move || {
            lower_priority();
            let _ = tx.send(runtime.block_on(work));
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "batch thread not started");
        return None;
    }
    rx.await.ok()
}

/// The calling thread's OS priority set to the lowest (its niceness on Linux).
pub fn lower_priority() {
    if let Err(e) =
        thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Min)
    {
        tracing::debug!(error = ?e, "batch thread priority unchanged");
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    /// The calling thread's niceness, as the kernel reports it (/proc, field 19).
    fn niceness() -> i64 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
        // The command name (field 2) is in parentheses and may hold spaces.
        let after = stat.rsplit_once(") ").map(|x| x.1).unwrap_or_default();
        after
            .split(' ')
            .nth(16)
            .and_then(|n| n.parse().ok())
            .unwrap_or(i64::MIN)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn batch_work_runs_at_the_lowest_priority_and_leaves_the_rest() {
        let before = niceness();
        let inside = super::at_low_priority(tokio::runtime::Handle::current(), async {
            tokio::task::yield_now().await;
            niceness()
        })
        .await;
        assert_eq!(inside, Some(19));
        assert_eq!(niceness(), before, "the caller's thread is untouched");
    }
}
