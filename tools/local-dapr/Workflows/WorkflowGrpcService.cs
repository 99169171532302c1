using Dapr.DurableTask.Protobuf;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace LocalDapr.Workflows;

/// <summary>
/// The durable-task sidecar service (<c>TaskHubSidecarService</c>, no proto package) that the Dapr workflow SDKs speak
/// on the sidecar's gRPC port: the work-item stream, its completions and instance management, with daprd's answers.
/// The messages are those of the <c>Dapr.Workflow.Grpc</c> assembly of Dapr.Workflow 1.19.1, which ships only a client,
/// so the server methods are bound here by name (gRPC for ASP.NET Core binds virtual methods of the type that declares the binder).
/// </summary>
[BindServiceMethod(typeof(WorkflowGrpcService), nameof(BindService))]
internal class WorkflowGrpcService(WorkflowEngine engine)
{
    public const string ServiceName = "TaskHubSidecarService";

    public static void BindService(ServiceBinderBase binder, WorkflowGrpcService? service)
    {
        Unary<Empty, Empty>(binder, nameof(Hello), Empty.Parser);
        Unary<CreateInstanceRequest, CreateInstanceResponse>(binder, nameof(StartInstance), CreateInstanceRequest.Parser);
        Unary<GetInstanceRequest, GetInstanceResponse>(binder, nameof(GetInstance), GetInstanceRequest.Parser);
        Unary<GetInstanceRequest, GetInstanceResponse>(binder, nameof(WaitForInstanceStart), GetInstanceRequest.Parser);
        Unary<GetInstanceRequest, GetInstanceResponse>(binder, nameof(WaitForInstanceCompletion), GetInstanceRequest.Parser);
        Unary<RaiseEventRequest, RaiseEventResponse>(binder, nameof(RaiseEvent), RaiseEventRequest.Parser);
        Unary<TerminateRequest, TerminateResponse>(binder, nameof(TerminateInstance), TerminateRequest.Parser);
        Unary<SuspendRequest, SuspendResponse>(binder, nameof(SuspendInstance), SuspendRequest.Parser);
        Unary<ResumeRequest, ResumeResponse>(binder, nameof(ResumeInstance), ResumeRequest.Parser);
        Unary<PurgeInstancesRequest, PurgeInstancesResponse>(binder, nameof(PurgeInstances), PurgeInstancesRequest.Parser);
        Unary<ActivityResponse, CompleteTaskResponse>(binder, nameof(CompleteActivityTask), ActivityResponse.Parser);
        Unary<WorkflowResponse, CompleteTaskResponse>(binder, nameof(CompleteOrchestratorTask), WorkflowResponse.Parser);
        Unary<WorkflowResponse, CompleteTaskResponse>(binder, nameof(CompleteWorkflowTask), WorkflowResponse.Parser);
        binder.AddMethod(new Method<GetWorkItemsRequest, WorkItem>(MethodType.ServerStreaming, ServiceName, nameof(GetWorkItems),
            Marshal(GetWorkItemsRequest.Parser), Marshal(WorkItem.Parser)), (ServerStreamingServerMethod<GetWorkItemsRequest, WorkItem>)null!);
    }

    private static void Unary<TRequest, TResponse>(ServiceBinderBase binder, string name, MessageParser<TRequest> parser)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new() =>
        binder.AddMethod(new Method<TRequest, TResponse>(MethodType.Unary, ServiceName, name, Marshal(parser), Marshal(new MessageParser<TResponse>(() => new TResponse()))),
            (UnaryServerMethod<TRequest, TResponse>)null!);

    private static Marshaller<T> Marshal<T>(MessageParser<T> parser) where T : class, IMessage<T> =>
        Marshallers.Create(m => m.ToByteArray(), parser.ParseFrom);

    public virtual Task<Empty> Hello(Empty request, ServerCallContext context) => Task.FromResult(new Empty());

    /// <summary>Creates the instance and, as daprd, answers once it has started (unless it starts later).</summary>
    public virtual async Task<CreateInstanceResponse> StartInstance(CreateInstanceRequest request, ServerCallContext context)
    {
        var id = await engine.StartAsync(request, context.CancellationToken);
        if (request.ScheduledStartTimestamp is null)
            await engine.WaitAsync(id, false, s => s != OrchestrationStatus.Pending, context.CancellationToken);
        return new CreateInstanceResponse { InstanceId = id };
    }

    public virtual async Task<GetInstanceResponse> GetInstance(GetInstanceRequest request, ServerCallContext context)
    {
        await engine.Ready.WaitAsync(context.CancellationToken);
        return await engine.GetAsync(request.InstanceId, request.GetInputsAndOutputs, context.CancellationToken);
    }

    public virtual async Task<GetInstanceResponse> WaitForInstanceStart(GetInstanceRequest request, ServerCallContext context)
    {
        await engine.Ready.WaitAsync(context.CancellationToken);
        return await engine.WaitAsync(request.InstanceId, request.GetInputsAndOutputs, s => s != OrchestrationStatus.Pending, context.CancellationToken);
    }

    public virtual async Task<GetInstanceResponse> WaitForInstanceCompletion(GetInstanceRequest request, ServerCallContext context)
    {
        await engine.Ready.WaitAsync(context.CancellationToken);
        return await engine.WaitAsync(request.InstanceId, request.GetInputsAndOutputs, WorkflowInstance.IsTerminal, context.CancellationToken);
    }

    public virtual async Task<RaiseEventResponse> RaiseEvent(RaiseEventRequest request, ServerCallContext context)
    {
        await AddAsync(request.InstanceId, new HistoryEvent { EventRaised = new EventRaisedEvent { Name = request.Name, Input = request.Input } }, "", context);
        return new RaiseEventResponse();
    }

    /// <summary>As daprd: the terminate is queued, then the call waits for the instance to finish.</summary>
    public virtual async Task<TerminateResponse> TerminateInstance(TerminateRequest request, ServerCallContext context)
    {
        await AddAsync(request.InstanceId, new HistoryEvent { ExecutionTerminated = new ExecutionTerminatedEvent { Input = request.Output, Recurse = request.Recursive } },
            "failed to submit termination request: ", context);
        await engine.WaitAsync(request.InstanceId, false, WorkflowInstance.IsTerminal, context.CancellationToken);
        return new TerminateResponse();
    }

    public virtual async Task<SuspendResponse> SuspendInstance(SuspendRequest request, ServerCallContext context)
    {
        await ChangeStatusAsync(request.InstanceId, new HistoryEvent { ExecutionSuspended = new ExecutionSuspendedEvent { Input = Reason(request.Reason) } },
            OrchestrationStatus.Suspended, context);
        return new SuspendResponse();
    }

    public virtual async Task<ResumeResponse> ResumeInstance(ResumeRequest request, ServerCallContext context)
    {
        await ChangeStatusAsync(request.InstanceId, new HistoryEvent { ExecutionResumed = new ExecutionResumedEvent { Input = Reason(request.Reason) } },
            OrchestrationStatus.Running, context);
        return new ResumeResponse();
    }

    /// <summary>As daprd: the suspend or resume is queued, then the call waits for the instance to reach <paramref name="status"/> or finish.</summary>
    private async Task ChangeStatusAsync(string instanceId, HistoryEvent e, OrchestrationStatus status, ServerCallContext context)
    {
        await AddAsync(instanceId, e, "", context);
        await engine.WaitAsync(instanceId, false, s => s == status || WorkflowInstance.IsTerminal(s), context.CancellationToken);
    }

    /// <summary>A suspend's or resume's reason as the event's input; none when the caller gave none.</summary>
    private static string? Reason(string? reason) => string.IsNullOrEmpty(reason) ? null : reason;

    public virtual async Task<PurgeInstancesResponse> PurgeInstances(PurgeInstancesRequest request, ServerCallContext context)
    {
        if (request.RequestCase == PurgeInstancesRequest.RequestOneofCase.PurgeInstanceFilter)
            throw new RpcException(new Status(StatusCode.Unknown, "multi-instance purge is not implemented"));
        await engine.Ready.WaitAsync(context.CancellationToken);
        try
        {
            return new PurgeInstancesResponse { DeletedInstanceCount = await engine.PurgeAsync(request.InstanceId, request.Recursive, context.CancellationToken), IsComplete = true };
        }
        catch (Exception ex) when (ex is InstanceNotFoundException or InvalidOperationException)
        {
            throw new RpcException(new Status(StatusCode.Unknown, $"failed to purge workflow state: {ex.Message}"));
        }
    }

    public virtual async Task GetWorkItems(GetWorkItemsRequest request, IServerStreamWriter<WorkItem> responseStream, ServerCallContext context)
    {
        await engine.Ready.WaitAsync(context.CancellationToken);
        await engine.Dispatcher.ServeAsync(responseStream, context.CancellationToken);
    }

    public virtual async Task<CompleteTaskResponse> CompleteActivityTask(ActivityResponse request, ServerCallContext context)
    {
        await engine.CompleteActivityAsync(request);
        return new CompleteTaskResponse();
    }

    public virtual Task<CompleteTaskResponse> CompleteOrchestratorTask(WorkflowResponse request, ServerCallContext context) => CompleteWorkflowTask(request, context);

    public virtual async Task<CompleteTaskResponse> CompleteWorkflowTask(WorkflowResponse request, ServerCallContext context)
    {
        await engine.CompleteTurnAsync(request);
        return new CompleteTaskResponse();
    }

    private async Task AddAsync(string instanceId, HistoryEvent e, string errorPrefix, ServerCallContext context)
    {
        await engine.Ready.WaitAsync(context.CancellationToken);
        e.EventId = -1;
        e.Timestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
        try
        {
            await engine.AddEventAsync(instanceId, e, context.CancellationToken);
        }
        catch (InstanceNotFoundException ex)
        {
            throw new RpcException(new Status(StatusCode.Unknown, errorPrefix + ex.Message));
        }
    }
}
