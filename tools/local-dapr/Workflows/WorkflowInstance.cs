using Dapr.DurableTask.Protobuf;

namespace LocalDapr.Workflows;

/// <summary>
/// One workflow instance as the engine holds it: its history (what the workflow has seen), its inbox (what arrived
/// and waits for the next turn), what is in flight, and the lengths last stored. Every access holds <see cref="Gate"/>,
/// which makes the instance a single-threaded actor as in daprd.
/// </summary>
internal sealed class WorkflowInstance(string id)
{
    public string Id { get; } = id;

    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>True once the stored state was read (or the instance is known to have none).</summary>
    public bool Loaded { get; set; }

    public bool Exists { get; set; }

    public List<HistoryEvent> History { get; set; } = [];

    public List<HistoryEvent> Inbox { get; set; } = [];

    public string? CustomStatus { get; set; }

    public ulong Generation { get; set; }

    public StoredLengths Stored { get; set; }

    /// <summary>The completion token of the workflow turn in flight, with the inbox events it delivers.</summary>
    public string? TurnToken { get; set; }

    public List<HistoryEvent> TurnEvents { get; set; } = [];

    /// <summary>Completion tokens of the activities handed out, by task id.</summary>
    public Dictionary<int, string> Activities { get; } = [];

    public Dictionary<int, ITimer> Timers { get; } = [];

    /// <summary>A timer that re-runs a turn whose save failed, or starts one scheduled for later.</summary>
    public ITimer? Retry { get; set; }

    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next change of state (take it while holding the gate).</summary>
    public Task Changed => _changed.Task;

    public void NotifyChanged() => Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    public ExecutionStartedEvent? Start =>
        History.FirstOrDefault(e => e.ExecutionStarted is not null)?.ExecutionStarted ?? Inbox.FirstOrDefault(e => e.ExecutionStarted is not null)?.ExecutionStarted;

    public HistoryEvent? StartEvent =>
        History.FirstOrDefault(e => e.ExecutionStarted is not null) ?? Inbox.FirstOrDefault(e => e.ExecutionStarted is not null);

    public ExecutionCompletedEvent? Completed => History.Count > 0 && History[^1].ExecutionCompleted is { } c ? c : History.LastOrDefault(e => e.ExecutionCompleted is not null)?.ExecutionCompleted;

    public bool IsCompleted => Completed is not null;

    public bool IsSuspended
    {
        get
        {
            var suspended = false;
            foreach (var e in History)
            {
                if (e.ExecutionSuspended is not null) suspended = true;
                else if (e.ExecutionResumed is not null) suspended = false;
            }
            return suspended;
        }
    }

    public OrchestrationStatus Status =>
        Completed is { } c ? c.WorkflowStatus
        : History.Count == 0 ? OrchestrationStatus.Pending
        : IsSuspended ? OrchestrationStatus.Suspended
        : OrchestrationStatus.Running;

    public static bool IsTerminal(OrchestrationStatus status) => status is OrchestrationStatus.Completed or OrchestrationStatus.Failed
        or OrchestrationStatus.Terminated or OrchestrationStatus.Canceled;

    /// <summary>True when history or inbox already holds the result of the task, timer or child <paramref name="id"/>.</summary>
    public bool HasResult(int id, HistoryEvent.EventTypeOneofCase kind) => History.Concat(Inbox).Any(e => ResultOf(e, kind) == id);

    private static int? ResultOf(HistoryEvent e, HistoryEvent.EventTypeOneofCase kind) => kind switch
    {
        HistoryEvent.EventTypeOneofCase.TaskScheduled => e.TaskCompleted?.TaskScheduledId ?? e.TaskFailed?.TaskScheduledId,
        HistoryEvent.EventTypeOneofCase.TimerCreated => e.TimerFired?.TimerId,
        HistoryEvent.EventTypeOneofCase.ChildWorkflowInstanceCreated => e.ChildWorkflowInstanceCompleted?.TaskScheduledId ?? e.ChildWorkflowInstanceFailed?.TaskScheduledId,
        _ => null,
    };

    /// <summary>Events of history of <paramref name="kind"/> (scheduled tasks, timers, children) still waiting for their result.</summary>
    public IEnumerable<HistoryEvent> Pending(HistoryEvent.EventTypeOneofCase kind) =>
        History.Where(e => e.EventTypeCase == kind).Where(e => !HasResult(e.EventId, kind)).ToArray();
}
