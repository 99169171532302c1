using System.Collections.Concurrent;
using System.Threading.Channels;
using Dapr.DurableTask.Protobuf;
using Grpc.Core;

namespace LocalDapr.Workflows;

/// <summary>
/// Hands work items to the workers connected on <c>GetWorkItems</c>: workflow turns and activities wait in two queues
/// until a worker takes them, each worker taking as many at once as the <c>Configuration</c> limits leave
/// (<c>maxConcurrentWorkflowInvocations</c>, <c>maxConcurrentActivityInvocations</c>; unlimited when unset). A work item
/// stays in flight under its completion token until the worker completes it; when the worker's stream ends first, the
/// item goes back to the front of its queue for the next worker.
/// </summary>
internal sealed class WorkItemDispatcher(WorkflowLimits limits)
{
    private readonly Channel<WorkItem> _workflows = Channel.CreateUnbounded<WorkItem>();
    private readonly Channel<WorkItem> _activities = Channel.CreateUnbounded<WorkItem>();
    private readonly SemaphoreSlim? _workflowSlots = limits.MaxConcurrentWorkflowInvocations is > 0 and var w ? new SemaphoreSlim(w, w) : null;
    private readonly SemaphoreSlim? _activitySlots = limits.MaxConcurrentActivityInvocations is > 0 and var a ? new SemaphoreSlim(a, a) : null;
    private readonly ConcurrentDictionary<string, InFlight> _inFlight = new(StringComparer.Ordinal);
    private int _workers;

    public int ConnectedWorkers => Volatile.Read(ref _workers);

    /// <summary>Work items handed out and not yet completed (for the limits' tests and the metrics).</summary>
    public int InFlightCount(WorkItem.RequestOneofCase kind) => _inFlight.Values.Count(i => i.Item.RequestCase == kind);

    public void Enqueue(WorkItem item) =>
        (item.RequestCase == WorkItem.RequestOneofCase.WorkflowRequest ? _workflows : _activities).Writer.TryWrite(item);

    /// <summary>Takes the work item of <paramref name="completionToken"/> out of flight; null when no worker was given it.</summary>
    public WorkItem? Complete(string completionToken)
    {
        if (string.IsNullOrEmpty(completionToken) || !_inFlight.TryRemove(completionToken, out var inFlight)) return null;
        Slots(inFlight.Item)?.Release();
        return inFlight.Item;
    }

    /// <summary>Forgets an item handed out whose owner no longer wants its result (its instance ended or was purged).</summary>
    public void Abandon(string completionToken) => Complete(completionToken);

    /// <summary>Streams work items to one worker until it goes away; what it had not completed is queued again.</summary>
    public async Task ServeAsync(IServerStreamWriter<WorkItem> stream, CancellationToken cancellationToken)
    {
        var worker = new object();
        var writeLock = new SemaphoreSlim(1, 1);
        Interlocked.Increment(ref _workers);
        try
        {
            await Task.WhenAll(PumpAsync(_workflows, _workflowSlots), PumpAsync(_activities, _activitySlots));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            Interlocked.Decrement(ref _workers);
            foreach (var (token, inFlight) in _inFlight)
            {
                if (inFlight.Worker != worker || !_inFlight.TryRemove(token, out _)) continue;
                Slots(inFlight.Item)?.Release();
                Enqueue(inFlight.Item);
            }
        }

        async Task PumpAsync(Channel<WorkItem> queue, SemaphoreSlim? slots)
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (slots is not null) await slots.WaitAsync(cancellationToken);
                WorkItem item;
                try
                {
                    item = await queue.Reader.ReadAsync(cancellationToken);
                }
                catch
                {
                    slots?.Release();
                    throw;
                }
                _inFlight[item.CompletionToken] = new InFlight(item, worker);
                await writeLock.WaitAsync(CancellationToken.None);
                try
                {
                    await stream.WriteAsync(item, cancellationToken);
                }
                finally
                {
                    writeLock.Release();
                }
            }
        }
    }

    private SemaphoreSlim? Slots(WorkItem item) => item.RequestCase == WorkItem.RequestOneofCase.WorkflowRequest ? _workflowSlots : _activitySlots;

    private sealed record InFlight(WorkItem Item, object Worker);
}

/// <summary>The <c>spec.workflow</c> limits of the app's <c>Configuration</c> resource; null is daprd's default (no limit).</summary>
public sealed record WorkflowLimits(int? MaxConcurrentWorkflowInvocations, int? MaxConcurrentActivityInvocations)
{
    public static WorkflowLimits None { get; } = new(null, null);
}
