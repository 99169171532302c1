using System.Collections.Concurrent;
using Dapr.Workflow;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mtaeda.Testing;

/// <summary>
/// A workflow context the test drives: activities complete at once (and are recorded) with what <see cref="Answer"/> says
/// (default: their type's default), external events and timers complete when the test raises them or moves the clock past
/// them. The workflow's logic runs without a runtime.
/// </summary>
/// <param name="instanceId">The instance id.</param>
/// <param name="start">The workflow's clock at the start.</param>
/// <param name="name">The workflow's name.</param>
public sealed class ScriptedWorkflowContext(string instanceId, DateTime start, string name = "MaintenanceWorkflow") : WorkflowContext
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<object?>> _events = new();
    private readonly List<(DateTime FireAt, TaskCompletionSource TimerDone)> _timers = [];
    private readonly Lock _gate = new();
    private DateTime _now = start;

    /// <summary>The activities called, in order, with their inputs.</summary>
    public ConcurrentQueue<(string Name, object? Input)> Activities { get; } = new();

    /// <summary>The custom statuses set, in order.</summary>
    public ConcurrentQueue<string> Statuses { get; } = new();

    /// <summary>What an activity answers, by its name and input (null: its type's default).</summary>
    public Func<string, object?, object?> Answer { get; init; } = (_, _) => null;

    /// <inheritdoc />
    public override string Name => name;

    public override string InstanceId => instanceId;

    public override DateTime CurrentUtcDateTime => _now;

    public override bool IsReplaying => false;

    /// <summary>Timers the workflow has created so far (one per phase it has reached).</summary>
    public int TimersCreated
    {
        get { lock (_gate) return _timers.Count; }
    }

    /// <summary>Raises the external event <paramref name="eventName"/> with <paramref name="value"/>.</summary>
    public void Raise(string eventName, object? value) => Event(eventName).TrySetResult(value);

    /// <summary>Moves the clock to <paramref name="now"/>: the timers due by then fire.</summary>
    public void AdvanceTo(DateTime now)
    {
        List<TaskCompletionSource> due;
        lock (_gate)
        {
            _now = now;
            due = [.. _timers.Where(t => t.FireAt <= now).Select(t => t.TimerDone)];
        }
        foreach (var timer in due) timer.TrySetResult();
    }

    public override Task CallActivityAsync(string name, object? input = null, WorkflowTaskOptions? options = null)
    {
        Activities.Enqueue((name, input));
        return Task.CompletedTask;
    }

    public override Task<T> CallActivityAsync<T>(string name, object? input = null, WorkflowTaskOptions? options = null)
    {
        Activities.Enqueue((name, input));
        return Task.FromResult(Answer(name, input) is T answer ? answer : default(T)!);
    }

    public override Task CreateTimer(TimeSpan delay, CancellationToken cancellationToken = default) => CreateTimer(_now + delay, cancellationToken);

    public override Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken)
    {
        var timer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _timers.Add((fireAt, timer));
            if (fireAt <= _now) timer.TrySetResult();
        }
        return timer.Task;
    }

    public override async Task<T> WaitForExternalEventAsync<T>(string eventName, CancellationToken cancellationToken = default) =>
        (T)(await Event(eventName).Task)!;

    public override Task<T> WaitForExternalEventAsync<T>(string eventName, TimeSpan timeout) => throw new NotSupportedException("the scripted context serves waits with timers (CreateTimer)");

    public override void SetCustomStatus(object? customStatus) => Statuses.Enqueue(customStatus?.ToString() ?? "");

    public override void SendEvent(string instanceId, string eventName, object payload) => throw new NotSupportedException();

    public override Task<TResult> CallChildWorkflowAsync<TResult>(string workflowName, object? input = null, ChildWorkflowTaskOptions? options = null) => throw new NotSupportedException();

    public override Task CallChildWorkflowAsync(string workflowName, object? input = null, ChildWorkflowTaskOptions? options = null) => throw new NotSupportedException();

    public override void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true) => throw new NotSupportedException();

    public override Guid NewGuid() => Guid.NewGuid();

    public override bool IsPatched(string patchName) => false;

    public override PropagatedHistory? GetPropagatedHistory() => null;

    public override ILogger CreateReplaySafeLogger(string categoryName) => NullLogger.Instance;

    public override ILogger CreateReplaySafeLogger(Type type) => NullLogger.Instance;

    public override ILogger CreateReplaySafeLogger<T>() => NullLogger<T>.Instance;

    private TaskCompletionSource<object?> Event(string name) =>
        _events.GetOrAdd(name, _ => new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously));
}
