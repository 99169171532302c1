using System.Collections.Concurrent;
using Dapr.DurableTask.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using LocalDapr.Sidecar;

namespace LocalDapr.Workflows;

/// <summary>
/// The workflow engine of one sidecar, as daprd's (durabletask-go's backend on workflow actors): instances are
/// event-sourced, a turn gives the worker the history and the new events and stores the actions it answers with as
/// history, activities and timers are driven from that history, and everything is kept in the actor state store
/// (<see cref="WorkflowStore"/>) before it is acted on, so a restart finds every instance where it was and re-drives
/// what was in flight: activities are delivered at least once, timers due during an outage fire at once.
/// </summary>
internal sealed class WorkflowEngine : IAsyncDisposable
{
    private static readonly TimeSpan RetryAfterStoreFailure = TimeSpan.FromSeconds(1);

    private readonly WorkflowStore? _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, WorkflowInstance> _instances = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lazy<Task> _recovered;

    public WorkflowEngine(SidecarRuntime sidecar, WorkflowLimits limits, ILogger logger)
    {
        _time = sidecar.Time;
        _logger = logger;
        AppId = sidecar.AppId;
        Dispatcher = new WorkItemDispatcher(limits);
        if (sidecar.ActorStateStore is { } actorStore) _store = new WorkflowStore(actorStore.Store, sidecar.AppId);
        _recovered = new Lazy<Task>(() => Task.Run(() => RecoverAsync(_stopping.Token)));
    }

    public string AppId { get; }

    public WorkItemDispatcher Dispatcher { get; }

    private WorkflowStore Store => _store ?? throw new RpcException(new Status(StatusCode.FailedPrecondition,
        "the state store is not configured to use the actor runtime. Have you set the - name: actorStateStore value: \"true\" in your state store component file?"));

    /// <summary>Completes once every unfinished instance in the store is loaded and re-driven (started by the first worker or call).</summary>
    public Task Ready => _store is null ? Task.CompletedTask : _recovered.Value;

    // ---- instance management ------------------------------------------------------------------------------

    public async Task<string> StartAsync(CreateInstanceRequest request, CancellationToken cancellationToken)
    {
        await Ready.WaitAsync(cancellationToken);
        var id = string.IsNullOrEmpty(request.InstanceId) ? Guid.NewGuid().ToString("N") : request.InstanceId;
        var start = NewExecution(id, request.Name, request.Version, request.Input, request.ExecutionId);
        start.ExecutionStarted.ScheduledStartTimestamp = request.ScheduledStartTimestamp;
        start.ExecutionStarted.ParentTraceContext = request.ParentTraceContext;
        start.ExecutionStarted.Tags.Add(request.Tags);
        await CreateAsync(id, start, cancellationToken);
        return id;
    }

    /// <summary>Creates the instance from its start event; an unfinished instance of that id is daprd's <c>AlreadyExists</c>.</summary>
    private async Task CreateAsync(string id, HistoryEvent start, CancellationToken cancellationToken)
    {
        var instance = await LockAsync(id, cancellationToken);
        try
        {
            if (instance.Exists)
            {
                if (!instance.IsCompleted)
                {
                    var parent = start.ExecutionStarted.ParentInstance?.WorkflowInstance?.InstanceId;
                    if (parent is not null && instance.Start?.ParentInstance?.WorkflowInstance?.InstanceId == parent) return;
                    throw new RpcException(new Status(StatusCode.AlreadyExists, $"an active workflow with ID '{id}' already exists"));
                }
                // A finished instance is replaced: its keys go, the new one starts from nothing.
                await Store.DeleteAsync(id, instance.Stored, cancellationToken);
                Reset(instance);
            }
            instance.Inbox = [start];
            await SaveAsync(instance, instance.History, instance.Inbox, instance.CustomStatus, false, 0, 0, cancellationToken);
            instance.Exists = true;
            await Store.MarkLiveAsync(id, true, cancellationToken);
            instance.NotifyChanged();
            TryDispatchTurn(instance);
        }
        finally
        {
            instance.Gate.Release();
        }
    }

    public async Task<GetInstanceResponse> GetAsync(string id, bool withPayloads, CancellationToken cancellationToken)
    {
        var instance = await LockAsync(id, cancellationToken);
        try
        {
            return Describe(instance, withPayloads);
        }
        finally
        {
            instance.Gate.Release();
        }
    }

    /// <summary>Waits until <paramref name="done"/> holds for the instance's status (or it does not exist).</summary>
    public async Task<GetInstanceResponse> WaitAsync(string id, bool withPayloads, Func<OrchestrationStatus, bool> done, CancellationToken cancellationToken)
    {
        while (true)
        {
            var instance = await LockAsync(id, cancellationToken);
            Task changed;
            try
            {
                if (!instance.Exists || done(instance.Status)) return Describe(instance, withPayloads);
                changed = instance.Changed;
            }
            finally
            {
                instance.Gate.Release();
            }
            await changed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Adds an event from outside (raise, terminate, suspend, resume); daprd's "no such instance exists" when unknown.</summary>
    public async Task AddEventAsync(string id, HistoryEvent e, CancellationToken cancellationToken)
    {
        var instance = await LockAsync(id, cancellationToken);
        try
        {
            if (!instance.Exists) throw new InstanceNotFoundException();
            if (instance.IsCompleted)
            {
                _logger.LogDebug("Workflow {Instance}: already completed, event {Event} dropped", id, e.EventTypeCase);
                return;
            }
            var inbox = new List<HistoryEvent>(instance.Inbox) { e };
            await SaveAsync(instance, instance.History, inbox, instance.CustomStatus, false, instance.History.Count, instance.Inbox.Count, _stopping.Token);
            TryDispatchTurn(instance);
        }
        finally
        {
            instance.Gate.Release();
        }
    }

    /// <summary>Deletes a finished instance (and with <paramref name="recursive"/> its children); returns how many went.</summary>
    public async Task<int> PurgeAsync(string id, bool recursive, CancellationToken cancellationToken)
    {
        var instance = await LockAsync(id, cancellationToken);
        List<string> children;
        try
        {
            if (!instance.Exists) throw new InstanceNotFoundException();
            if (!instance.IsCompleted) throw new InvalidOperationException("orchestration has not yet completed");
            children = recursive ? [.. instance.History.Where(e => e.ChildWorkflowInstanceCreated is not null).Select(e => e.ChildWorkflowInstanceCreated.InstanceId).Distinct()] : [];
            await Store.DeleteAsync(id, instance.Stored, cancellationToken);
            await Store.MarkLiveAsync(id, false, cancellationToken);
            Reset(instance);
            instance.NotifyChanged();
            _instances.TryRemove(id, out _);
        }
        finally
        {
            instance.Gate.Release();
        }
        var count = 1;
        foreach (var child in children)
        {
            try
            {
                count += await PurgeAsync(child, true, cancellationToken);
            }
            catch (InstanceNotFoundException)
            {
            }
        }
        return count;
    }

    // ---- work item completions ---------------------------------------------------------------------------

    public async Task CompleteTurnAsync(WorkflowResponse response)
    {
        var item = Dispatcher.Complete(response.CompletionToken);
        if (item?.WorkflowRequest is not { } request || request.InstanceId != response.InstanceId)
        {
            _logger.LogWarning("Ignoring workflow completion for '{Instance}' with completion token '{Token}': no such work item was given to a worker",
                response.InstanceId, response.CompletionToken);
            return;
        }
        // From here on the work item is taken: the caller going away must not leave it half done.
        var instance = await LockAsync(request.InstanceId, _stopping.Token);
        try
        {
            if (instance.TurnToken != response.CompletionToken) return;
            // Once begun, a turn is stored or retried whatever the caller does: its cancellation does not reach the store.
            await ApplyTurnAsync(instance, response, _stopping.Token);
        }
        finally
        {
            instance.Gate.Release();
        }
    }

    public async Task CompleteActivityAsync(ActivityResponse response)
    {
        var item = Dispatcher.Complete(response.CompletionToken);
        if (item?.ActivityRequest is not { } request || request.WorkflowInstance.InstanceId != response.InstanceId || request.TaskId != response.TaskId)
        {
            _logger.LogWarning("Ignoring activity completion for '{Instance}' task {Task} with completion token '{Token}': no such work item was given to a worker",
                response.InstanceId, response.TaskId, response.CompletionToken);
            return;
        }
        // From here on the work item is taken: the caller going away must not leave it half done.
        WorkflowInstance instance;
        try
        {
            instance = await LockAsync(response.InstanceId, _stopping.Token);
        }
        catch (Exception ex) when (!_stopping.IsCancellationRequested)
        {
            _logger.LogWarning(ex, "Workflow {Instance}: reading it for the result of task {Task} failed; the task runs again in {Delay}", response.InstanceId, response.TaskId, RetryAfterStoreFailure);
            RecoverLater(response.InstanceId);
            throw;
        }
        try
        {
            if (!instance.Activities.TryGetValue(response.TaskId, out var token) || token != response.CompletionToken) return;
            instance.Activities.Remove(response.TaskId);
            if (!instance.Exists || instance.IsCompleted || instance.HasResult(response.TaskId, HistoryEvent.EventTypeOneofCase.TaskScheduled)) return;
            var e = Arrived(new HistoryEvent());
            if (response.FailureDetails is { } failure)
                e.TaskFailed = new TaskFailedEvent { TaskScheduledId = response.TaskId, FailureDetails = failure, TaskExecutionId = request.TaskExecutionId };
            else
                e.TaskCompleted = new TaskCompletedEvent { TaskScheduledId = response.TaskId, Result = response.Result, TaskExecutionId = request.TaskExecutionId };
            try
            {
                await AppendAsync(instance, e, _stopping.Token);
            }
            catch (Exception ex) when (!_stopping.IsCancellationRequested)
            {
                // The result is not stored, so the activity has not happened as far as the workflow knows: it runs
                // again once the store answers (at least once).
                _logger.LogWarning(ex, "Workflow {Instance}: storing the result of task {Task} failed; it runs again in {Delay}", instance.Id, response.TaskId, RetryAfterStoreFailure);
                RecoverLater(instance.Id);
                throw;
            }
        }
        finally
        {
            instance.Gate.Release();
        }
    }

    // ---- turns -------------------------------------------------------------------------------------------------

    /// <summary>
    /// Gives the worker the next turn when none is in flight and the inbox has something the workflow may see: all of
    /// it up to and including a suspend or terminate; while suspended, only the resume or terminate. A terminate is
    /// carried out here, without a worker.
    /// </summary>
    private void TryDispatchTurn(WorkflowInstance instance)
    {
        if (instance.TurnToken is not null || !instance.Exists || instance.IsCompleted || instance.Inbox.Count == 0) return;
        if (instance.History.Count == 0 && instance.Start?.ScheduledStartTimestamp is { } at && at.ToDateTimeOffset() > _time.GetUtcNow())
        {
            instance.Retry ??= _time.CreateTimer(_ => Redrive(instance.Id), null, at.ToDateTimeOffset() - _time.GetUtcNow(), Timeout.InfiniteTimeSpan);
            return;
        }
        var delivered = new List<HistoryEvent>();
        var suspended = instance.IsSuspended;
        foreach (var e in instance.Inbox)
        {
            if (suspended && e.ExecutionResumed is null && e.ExecutionTerminated is null) continue;
            delivered.Add(e);
            if (e.ExecutionSuspended is not null || e.ExecutionTerminated is not null || suspended) break;
        }
        if (delivered.Count == 0) return;
        var token = Guid.NewGuid().ToString("N");
        instance.TurnToken = token;
        instance.TurnEvents = delivered;
        if (delivered[^1].ExecutionTerminated is { } terminated)
        {
            _ = Task.Run(() => TerminateInPlaceAsync(instance.Id, token, terminated));
            return;
        }
        var request = new WorkflowRequest
        {
            InstanceId = instance.Id,
            ExecutionId = instance.Start?.WorkflowInstance?.ExecutionId,
        };
        request.PastEvents.AddRange(instance.History);
        request.NewEvents.Add(Arrived(new HistoryEvent { WorkflowStarted = new WorkflowStartedEvent() }));
        request.NewEvents.AddRange(delivered);
        Dispatcher.Enqueue(new WorkItem { CompletionToken = token, WorkflowRequest = request });
    }

    private async Task TerminateInPlaceAsync(string id, string token, ExecutionTerminatedEvent terminated)
    {
        var instance = await LockAsync(id, _stopping.Token);
        try
        {
            if (instance.TurnToken != token) return;
            var response = new WorkflowResponse { InstanceId = id, CompletionToken = token };
            response.Actions.Add(new WorkflowAction
            {
                Id = -1,
                CompleteWorkflow = new CompleteWorkflowAction { WorkflowStatus = OrchestrationStatus.Terminated, Result = terminated.Input },
            });
            await ApplyTurnAsync(instance, response, _stopping.Token);
            if (terminated.Recurse)
            {
                foreach (var child in instance.Pending(HistoryEvent.EventTypeOneofCase.ChildWorkflowInstanceCreated))
                {
                    Send(child.ChildWorkflowInstanceCreated.InstanceId, Arrived(new HistoryEvent { ExecutionTerminated = new ExecutionTerminatedEvent { Input = terminated.Input, Recurse = true } }));
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogError(ex, "Workflow {Instance}: terminate failed", id);
        }
        finally
        {
            instance.Gate.Release();
        }
    }

    /// <summary>Stores the turn's events and the actions' history as one transaction, then acts on the actions.</summary>
    private async Task ApplyTurnAsync(WorkflowInstance instance, WorkflowResponse response, CancellationToken cancellationToken)
    {
        var history = new List<HistoryEvent>(instance.History) { Arrived(new HistoryEvent { WorkflowStarted = new WorkflowStartedEvent() }) };
        history.AddRange(instance.TurnEvents);
        var inbox = instance.Inbox.Where(e => !instance.TurnEvents.Contains(e)).ToList();
        var historyFrom = instance.History.Count;
        var effects = new List<Action>();
        var known = new HashSet<(int, HistoryEvent.EventTypeOneofCase)>(history.Where(e => e.EventId >= 0).Select(e => (e.EventId, e.EventTypeCase)));
        var startEvent = instance.StartEvent;
        var start = startEvent?.ExecutionStarted;
        var terminal = false;

        foreach (var action in response.Actions)
        {
            if (terminal) break;
            switch (action.WorkflowActionTypeCase)
            {
                case WorkflowAction.WorkflowActionTypeOneofCase.ScheduleTask:
                {
                    var task = action.ScheduleTask;
                    if (!known.Add((action.Id, HistoryEvent.EventTypeOneofCase.TaskScheduled))) break;
                    var scheduled = new HistoryEvent
                    {
                        EventId = action.Id,
                        Timestamp = Now(),
                        TaskScheduled = new TaskScheduledEvent { Name = task.Name, Version = task.Version, Input = task.Input, TaskExecutionId = task.TaskExecutionId },
                    };
                    history.Add(scheduled);
                    effects.Add(() => DispatchActivity(instance, scheduled));
                    break;
                }
                case WorkflowAction.WorkflowActionTypeOneofCase.CreateTimer:
                {
                    var timer = action.CreateTimer;
                    if (!known.Add((action.Id, HistoryEvent.EventTypeOneofCase.TimerCreated))) break;
                    var created = new TimerCreatedEvent { FireAt = timer.FireAt };
                    if (timer.HasName) created.Name = timer.Name;
                    switch (timer.OriginCase)
                    {
                        case CreateTimerAction.OriginOneofCase.CreateTimer: created.CreateTimer = timer.CreateTimer; break;
                        case CreateTimerAction.OriginOneofCase.ExternalEvent: created.ExternalEvent = timer.ExternalEvent; break;
                        case CreateTimerAction.OriginOneofCase.ActivityRetry: created.ActivityRetry = timer.ActivityRetry; break;
                        case CreateTimerAction.OriginOneofCase.ChildWorkflowRetry: created.ChildWorkflowRetry = timer.ChildWorkflowRetry; break;
                    }
                    var e = new HistoryEvent { EventId = action.Id, Timestamp = Now(), TimerCreated = created };
                    history.Add(e);
                    effects.Add(() => ScheduleTimer(instance, e));
                    break;
                }
                case WorkflowAction.WorkflowActionTypeOneofCase.CreateChildWorkflow:
                {
                    var child = action.CreateChildWorkflow;
                    if (!known.Add((action.Id, HistoryEvent.EventTypeOneofCase.ChildWorkflowInstanceCreated))) break;
                    var childId = string.IsNullOrEmpty(child.InstanceId) ? $"{instance.Id}:{action.Id:D4}" : child.InstanceId;
                    var e = new HistoryEvent
                    {
                        EventId = action.Id,
                        Timestamp = Now(),
                        ChildWorkflowInstanceCreated = new ChildWorkflowInstanceCreatedEvent { InstanceId = childId, Name = child.Name, Version = child.Version, Input = child.Input },
                    };
                    history.Add(e);
                    effects.Add(() => StartChild(instance.Id, start, e));
                    break;
                }
                case WorkflowAction.WorkflowActionTypeOneofCase.SendEvent:
                {
                    var send = action.SendEvent;
                    if (!known.Add((action.Id, HistoryEvent.EventTypeOneofCase.EventSent))) break;
                    history.Add(new HistoryEvent
                    {
                        EventId = action.Id,
                        Timestamp = Now(),
                        EventSent = new EventSentEvent { InstanceId = send.Instance.InstanceId, Name = send.Name, Input = send.Data },
                    });
                    effects.Add(() => Send(send.Instance.InstanceId, Arrived(new HistoryEvent { EventRaised = new EventRaisedEvent { Name = send.Name, Input = send.Data } })));
                    break;
                }
                case WorkflowAction.WorkflowActionTypeOneofCase.TerminateWorkflow:
                {
                    var terminate = action.TerminateWorkflow;
                    effects.Add(() => Send(terminate.InstanceId, Arrived(new HistoryEvent { ExecutionTerminated = new ExecutionTerminatedEvent { Input = terminate.Reason, Recurse = terminate.Recurse } })));
                    break;
                }
                case WorkflowAction.WorkflowActionTypeOneofCase.CompleteWorkflow:
                {
                    var complete = action.CompleteWorkflow;
                    if (complete.WorkflowStatus == OrchestrationStatus.ContinuedAsNew && start is not null)
                    {
                        // A new execution: history starts again from a new start event, followed by the events the
                        // workflow carried over and those that arrived during the turn.
                        var restarted = NewExecution(instance.Id, start.Name, start.Version, complete.Result);
                        restarted.ExecutionStarted.ParentInstance = start.ParentInstance;
                        restarted.ExecutionStarted.Tags.Add(start.Tags);
                        history = [];
                        inbox = [restarted, .. complete.CarryoverEvents, .. inbox];
                        historyFrom = 0;
                        effects.Clear();
                        effects.Add(() => CancelInFlight(instance));
                        terminal = true;
                        break;
                    }
                    if (complete.WorkflowStatus == OrchestrationStatus.Stalled) break;
                    history.Add(new HistoryEvent
                    {
                        EventId = action.Id,
                        Timestamp = Now(),
                        ExecutionCompleted = new ExecutionCompletedEvent { WorkflowStatus = complete.WorkflowStatus, Result = complete.Result, FailureDetails = complete.FailureDetails },
                    });
                    terminal = true;
                    effects.Add(() => CancelInFlight(instance));
                    if (start?.ParentInstance is { WorkflowInstance.InstanceId: { Length: > 0 } parentId } parent)
                    {
                        var notice = Arrived(new HistoryEvent());
                        if (complete.WorkflowStatus == OrchestrationStatus.Completed)
                            notice.ChildWorkflowInstanceCompleted = new ChildWorkflowInstanceCompletedEvent { TaskScheduledId = parent.TaskScheduledId, Result = complete.Result };
                        else
                            notice.ChildWorkflowInstanceFailed = new ChildWorkflowInstanceFailedEvent
                            {
                                TaskScheduledId = parent.TaskScheduledId,
                                FailureDetails = complete.FailureDetails ?? new TaskFailureDetails { ErrorType = "WorkflowTerminated", ErrorMessage = $"child workflow '{instance.Id}' ended {complete.WorkflowStatus}" },
                            };
                        effects.Add(() => Send(parentId, notice));
                    }
                    break;
                }
                default:
                    _logger.LogWarning("Workflow {Instance}: action {Action} is not supported and was ignored", instance.Id, action.WorkflowActionTypeCase);
                    break;
            }
        }

        // As daprd: each turn's answer sets the custom status (none clears it).
        var customStatus = response.CustomStatus;
        try
        {
            await SaveAsync(instance, history, inbox, customStatus, customStatus != instance.CustomStatus, historyFrom, 0, cancellationToken);
        }
        catch (Exception ex) when (!_stopping.IsCancellationRequested)
        {
            // Nothing of the turn is kept: the same events are given again once the store answers.
            _logger.LogWarning(ex, "Workflow {Instance}: saving the turn failed; it runs again in {Delay}", instance.Id, RetryAfterStoreFailure);
            instance.TurnToken = null;
            instance.TurnEvents = [];
            instance.Retry?.Dispose();
            instance.Retry = _time.CreateTimer(_ => Redrive(instance.Id), null, RetryAfterStoreFailure, Timeout.InfiniteTimeSpan);
            throw;
        }
        instance.TurnToken = null;
        instance.TurnEvents = [];
        foreach (var effect in effects) effect();
        if (instance.IsCompleted)
        {
            await Store.MarkLiveAsync(instance.Id, false, cancellationToken);
            // A finished instance is read from the store when next asked for; whoever waits on this copy was woken above.
            _instances.TryRemove(new KeyValuePair<string, WorkflowInstance>(instance.Id, instance));
            return;
        }
        TryDispatchTurn(instance);
    }

    // ---- activities, timers, messages ---------------------------------------------------------------------------

    private void DispatchActivity(WorkflowInstance instance, HistoryEvent scheduled)
    {
        var token = Guid.NewGuid().ToString("N");
        instance.Activities[scheduled.EventId] = token;
        var start = instance.Start;
        Dispatcher.Enqueue(new WorkItem
        {
            CompletionToken = token,
            ActivityRequest = new ActivityRequest
            {
                Name = scheduled.TaskScheduled.Name,
                Version = scheduled.TaskScheduled.Version,
                Input = scheduled.TaskScheduled.Input,
                TaskId = scheduled.EventId,
                TaskExecutionId = scheduled.TaskScheduled.TaskExecutionId,
                WorkflowInstance = new Dapr.DurableTask.Protobuf.WorkflowInstance { InstanceId = instance.Id, ExecutionId = start?.WorkflowInstance?.ExecutionId },
            },
        });
    }

    private void ScheduleTimer(WorkflowInstance instance, HistoryEvent created)
    {
        var timerId = created.EventId;
        var fireAt = created.TimerCreated.FireAt;
        var due = fireAt.ToDateTimeOffset() - _time.GetUtcNow();
        if (due < TimeSpan.Zero) due = TimeSpan.Zero;
        var id = instance.Id;
        instance.Timers.Remove(timerId, out var previous);
        previous?.Dispose();
        instance.Timers[timerId] = _time.CreateTimer(_ => _ = FireTimerAsync(id, timerId, fireAt), null, due, Timeout.InfiniteTimeSpan);
    }

    private async Task FireTimerAsync(string id, int timerId, Timestamp fireAt)
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                var instance = await LockAsync(id, _stopping.Token);
                try
                {
                    if (instance.Timers.Remove(timerId, out var timer)) timer.Dispose();
                    if (!instance.Exists || instance.IsCompleted || instance.HasResult(timerId, HistoryEvent.EventTypeOneofCase.TimerCreated)) return;
                    if (!instance.History.Any(e => e.EventId == timerId && e.TimerCreated is not null)) return;
                    await AppendAsync(instance, Arrived(new HistoryEvent { TimerFired = new TimerFiredEvent { TimerId = timerId, FireAt = fireAt } }), _stopping.Token);
                    return;
                }
                finally
                {
                    instance.Gate.Release();
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Workflow {Instance}: timer {Timer} could not be delivered; trying again", id, timerId);
                await Task.Delay(RetryAfterStoreFailure, _time, _stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private void CancelInFlight(WorkflowInstance instance)
    {
        foreach (var timer in instance.Timers.Values) timer.Dispose();
        instance.Timers.Clear();
        foreach (var token in instance.Activities.Values) Dispatcher.Abandon(token);
        instance.Activities.Clear();
    }

    /// <summary>
    /// The first event of a new execution of <paramref name="instanceId"/> (a start, a continue-as-new, a child), with a new
    /// execution id unless the caller gave one.
    /// </summary>
    private HistoryEvent NewExecution(string instanceId, string name, string? version, string? input, string? executionId = null) => Arrived(new HistoryEvent
    {
        ExecutionStarted = new ExecutionStartedEvent
        {
            Name = name,
            Version = version,
            Input = input,
            WorkflowInstance = new Dapr.DurableTask.Protobuf.WorkflowInstance { InstanceId = instanceId, ExecutionId = executionId ?? Guid.NewGuid().ToString() },
        },
    });

    /// <summary>
    /// <paramref name="e"/> as an event the workflow's own actions did not number (a start, an event from outside or from
    /// another instance, a fired timer, a turn's start): event id -1, stamped now.
    /// </summary>
    private HistoryEvent Arrived(HistoryEvent e)
    {
        e.EventId = -1;
        e.Timestamp = Now();
        return e;
    }

    private void StartChild(string parentId, ExecutionStartedEvent? parentStart, HistoryEvent created)
    {
        var child = created.ChildWorkflowInstanceCreated;
        var start = NewExecution(child.InstanceId, child.Name, child.Version, child.Input);
        start.ExecutionStarted.ParentInstance = new ParentInstanceInfo
        {
            TaskScheduledId = created.EventId,
            Name = parentStart?.Name,
            WorkflowInstance = new Dapr.DurableTask.Protobuf.WorkflowInstance { InstanceId = parentId, ExecutionId = parentStart?.WorkflowInstance?.ExecutionId },
        };
        _ = Task.Run(async () =>
        {
            try
            {
                await CreateAsync(child.InstanceId, start, _stopping.Token);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.AlreadyExists)
            {
                Send(parentId, Arrived(new HistoryEvent
                {
                    ChildWorkflowInstanceFailed = new ChildWorkflowInstanceFailedEvent
                    {
                        TaskScheduledId = created.EventId,
                        FailureDetails = new TaskFailureDetails { ErrorType = "WorkflowAlreadyExists", ErrorMessage = ex.Status.Detail, IsNonRetriable = true },
                    },
                }));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogError(ex, "Workflow {Instance}: starting child workflow {Child} failed", parentId, child.InstanceId);
            }
        });
    }

    /// <summary>
    /// Delivers an event to another instance in the background, trying again while the store fails (at least once);
    /// an unknown target drops it, as daprd does.
    /// </summary>
    private void Send(string target, HistoryEvent e) => _ = Task.Run(async () =>
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await AddEventAsync(target, e, _stopping.Token);
                return;
            }
            catch (InstanceNotFoundException)
            {
                _logger.LogWarning("Workflow {Instance} does not exist; {Event} dropped", target, e.EventTypeCase);
                return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Delivering {Event} to workflow {Instance} failed; trying again in {Delay}", e.EventTypeCase, target, RetryAfterStoreFailure);
                await Task.Delay(RetryAfterStoreFailure, _time, _stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    });

    /// <summary>Adds an event to the inbox, stores it and runs a turn if none is in flight (holding the gate).</summary>
    private async Task AppendAsync(WorkflowInstance instance, HistoryEvent e, CancellationToken cancellationToken)
    {
        var inbox = new List<HistoryEvent>(instance.Inbox) { e };
        await SaveAsync(instance, instance.History, inbox, instance.CustomStatus, false, instance.History.Count, instance.Inbox.Count, cancellationToken);
        TryDispatchTurn(instance);
    }

    /// <summary>Re-drives the instance from its history after a store failure (idempotent, as at start-up).</summary>
    private void RecoverLater(string id)
    {
        ITimer? timer = null;
        timer = _time.CreateTimer(_ =>
        {
            timer?.Dispose();
            _ = Task.Run(async () =>
            {
                try
                {
                    await RecoverInstanceAsync(id, _stopping.Token);
                }
                catch (OperationCanceledException)
                {
                }
                catch (Exception ex)
                {
                    _logger.LogWarning(ex, "Workflow {Instance}: re-driving after a store failure failed; trying again", id);
                    RecoverLater(id);
                }
            });
        }, null, RetryAfterStoreFailure, Timeout.InfiniteTimeSpan);
    }

    private void Redrive(string id) => _ = Task.Run(async () =>
    {
        try
        {
            var instance = await LockAsync(id, _stopping.Token);
            try
            {
                instance.Retry?.Dispose();
                instance.Retry = null;
                TryDispatchTurn(instance);
            }
            finally
            {
                instance.Gate.Release();
            }
        }
        catch (OperationCanceledException)
        {
        }
    });

    // ---- state ------------------------------------------------------------------------------------------------------

    private async Task SaveAsync(WorkflowInstance instance, List<HistoryEvent> history, List<HistoryEvent> inbox, string? customStatus, bool customStatusChanged,
        int historyFrom, int inboxFrom, CancellationToken cancellationToken)
    {
        var generation = historyFrom == 0 && instance.History.Count > 0 ? instance.Generation + 1 : instance.Generation;
        await Store.SaveAsync(instance.Id, instance.Stored, historyFrom, history, inbox, inboxFrom, customStatus, customStatusChanged, generation, cancellationToken);
        var status = instance.Status;
        instance.History = history;
        instance.Inbox = inbox;
        instance.CustomStatus = customStatus;
        instance.Generation = generation;
        instance.Stored = new StoredLengths(history.Count, inbox.Count);
        // Waiters wait for a status; they are woken only when it changes.
        if (instance.Status != status) instance.NotifyChanged();
    }

    /// <summary>The instance with its gate held, loaded from the store on first use.</summary>
    private async Task<WorkflowInstance> LockAsync(string id, CancellationToken cancellationToken)
    {
        var store = Store;
        while (true)
        {
            var instance = _instances.GetOrAdd(id, static id => new WorkflowInstance(id));
            await instance.Gate.WaitAsync(cancellationToken);
            if (_instances.TryGetValue(id, out var current) && current == instance)
            {
                if (!instance.Loaded)
                {
                    try
                    {
                        if (await store.LoadAsync(id, cancellationToken) is { } stored)
                        {
                            instance.History = stored.History;
                            instance.Inbox = stored.Inbox;
                            instance.CustomStatus = stored.CustomStatus;
                            instance.Generation = stored.Generation;
                            instance.Stored = new StoredLengths(stored.History.Count, stored.Inbox.Count);
                            instance.Exists = true;
                        }
                        instance.Loaded = true;
                    }
                    catch
                    {
                        instance.Gate.Release();
                        throw;
                    }
                }
                return instance;
            }
            instance.Gate.Release();
        }
    }

    private static void Reset(WorkflowInstance instance)
    {
        foreach (var timer in instance.Timers.Values) timer.Dispose();
        instance.Timers.Clear();
        instance.Activities.Clear();
        instance.Retry?.Dispose();
        instance.Retry = null;
        instance.History = [];
        instance.Inbox = [];
        instance.CustomStatus = null;
        instance.Stored = default;
        instance.TurnToken = null;
        instance.TurnEvents = [];
        instance.Exists = false;
    }

    private GetInstanceResponse Describe(WorkflowInstance instance, bool withPayloads)
    {
        if (!instance.Exists || instance.StartEvent is not { } startEvent) return new GetInstanceResponse { Exists = false };
        var start = startEvent.ExecutionStarted;
        var completed = instance.Completed;
        var state = new WorkflowState
        {
            InstanceId = instance.Id,
            Name = start.Name,
            Version = start.Version,
            WorkflowStatus = instance.Status,
            CreatedTimestamp = startEvent.Timestamp,
            LastUpdatedTimestamp = instance.History.Count > 0 ? instance.History[^1].Timestamp : startEvent.Timestamp,
            ExecutionId = start.WorkflowInstance?.ExecutionId,
            ScheduledStartTimestamp = start.ScheduledStartTimestamp,
        };
        state.Tags.Add(start.Tags);
        if (instance.History.FirstOrDefault(e => e.WorkflowStarted is not null) is { } firstTurn) state.StartedAt = firstTurn.Timestamp;
        if (completed is not null) state.CompletedTimestamp = instance.History.Last(e => e.ExecutionCompleted is not null).Timestamp;
        if (start.ParentInstance?.WorkflowInstance?.InstanceId is { Length: > 0 } parent) state.ParentInstanceId = parent;
        if (withPayloads)
        {
            state.Input = start.Input;
            state.Output = completed?.Result;
            state.FailureDetails = completed?.FailureDetails;
            if (instance.CustomStatus is not null) state.CustomStatus = instance.CustomStatus;
        }
        return new GetInstanceResponse { Exists = true, WorkflowState = state };
    }

    private Timestamp Now() => Timestamp.FromDateTimeOffset(_time.GetUtcNow());

    // ---- recovery -----------------------------------------------------------------------------------------------------

    /// <summary>Loads every unfinished instance and re-drives it: its pending activities, timers, children and inbox.</summary>
    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                var live = await Store.LiveAsync(cancellationToken);
                foreach (var id in live) await RecoverInstanceAsync(id, cancellationToken);
                if (live.Count > 0) _logger.LogInformation("Workflow engine of {AppId}: {Count} unfinished workflow(s) resumed", AppId, live.Count);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Workflow engine of {AppId}: reading the unfinished workflows failed; trying again", AppId);
                await Task.Delay(RetryAfterStoreFailure, _time, cancellationToken);
            }
        }
    }

    private async Task RecoverInstanceAsync(string id, CancellationToken cancellationToken)
    {
        var instance = await LockAsync(id, cancellationToken);
        var missingChildren = new List<HistoryEvent>();
        try
        {
            if (!instance.Exists || instance.IsCompleted)
            {
                if (!instance.Exists || instance.IsCompleted) await Store.MarkLiveAsync(id, false, cancellationToken);
                return;
            }
            foreach (var scheduled in instance.Pending(HistoryEvent.EventTypeOneofCase.TaskScheduled))
            {
                if (!instance.Activities.ContainsKey(scheduled.EventId)) DispatchActivity(instance, scheduled);
            }
            foreach (var timer in instance.Pending(HistoryEvent.EventTypeOneofCase.TimerCreated))
            {
                if (!instance.Timers.ContainsKey(timer.EventId)) ScheduleTimer(instance, timer);
            }
            missingChildren.AddRange(instance.Pending(HistoryEvent.EventTypeOneofCase.ChildWorkflowInstanceCreated));
            TryDispatchTurn(instance);
        }
        finally
        {
            instance.Gate.Release();
        }
        var parentStart = instance.Start;
        foreach (var created in missingChildren)
        {
            // The parent may have stopped between storing the child's creation and creating it, or the child between
            // finishing and telling the parent: both are made good here (a second create of the same child is a no-op).
            var childId = created.ChildWorkflowInstanceCreated.InstanceId;
            var child = await GetAsync(childId, true, cancellationToken);
            if (!child.Exists) StartChild(id, parentStart, created);
            else if (WorkflowInstance.IsTerminal(child.WorkflowState.WorkflowStatus))
            {
                var notice = Arrived(new HistoryEvent());
                if (child.WorkflowState.WorkflowStatus == OrchestrationStatus.Completed)
                    notice.ChildWorkflowInstanceCompleted = new ChildWorkflowInstanceCompletedEvent { TaskScheduledId = created.EventId, Result = child.WorkflowState.Output };
                else
                    notice.ChildWorkflowInstanceFailed = new ChildWorkflowInstanceFailedEvent { TaskScheduledId = created.EventId, FailureDetails = child.WorkflowState.FailureDetails };
                var parent = await LockAsync(id, cancellationToken);
                try
                {
                    if (!parent.HasResult(created.EventId, HistoryEvent.EventTypeOneofCase.ChildWorkflowInstanceCreated)) await AppendAsync(parent, notice, cancellationToken);
                }
                finally
                {
                    parent.Gate.Release();
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        foreach (var instance in _instances.Values)
        {
            foreach (var timer in instance.Timers.Values) await timer.DisposeAsync();
            if (instance.Retry is { } retry) await retry.DisposeAsync();
        }
        _stopping.Dispose();
    }
}

/// <summary>durabletask's <c>api.ErrInstanceNotFound</c>.</summary>
internal sealed class InstanceNotFoundException() : Exception("no such instance exists");
