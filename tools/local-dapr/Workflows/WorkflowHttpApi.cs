using System.Text.Json.Nodes;
using Dapr.DurableTask.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using LocalDapr.Sidecar;

namespace LocalDapr.Workflows;

/// <summary>
/// The workflow HTTP API for curl users (dapr/dapr <c>pkg/api/http/workflow.go</c>, <c>pkg/api/universal/workflow.go</c>):
/// start, get, raiseEvent, terminate, pause, resume and purge under <c>/v1.0</c>, and the same under
/// <c>/v1.0-beta1</c> and <c>/v1.0-alpha1</c>, which daprd 1.19 still serves. Successes are 202 (200 for get),
/// errors daprd's <c>{"errorCode", "message"}</c>.
/// </summary>
internal static class WorkflowHttpApi
{
    private const int MaxInstanceIdLength = 64;

    public static void Map(IEndpointRouteBuilder routes, WorkflowEngine engine, int httpPort)
    {
        foreach (var version in new[] { "v1.0", "v1.0-beta1", "v1.0-alpha1" })
        {
            var api = routes.MapGroup($"/{version}/workflows/{{component}}").RequireHost($"*:{httpPort}");

            api.MapPost("/{name}/start", (HttpContext context, string name) => Run(context, async () =>
            {
                var id = context.Request.Query["instanceID"].ToString();
                if (id.Length == 0) id = Guid.NewGuid().ToString();
                ValidateForCreate(id);
                if (name.Length == 0) throw new DaprApiException(StatusCode.InvalidArgument, 400, "ERR_WORKFLOW_NAME_MISSING", "workflow name is not configured");
                var request = new CreateInstanceRequest { InstanceId = id, Name = name, Input = await ReadBodyAsync(context) };
                if (context.Request.Query["dapr.workflow.start_time"].ToString() is { Length: > 0 } startTime)
                {
                    if (!DateTimeOffset.TryParseExact(startTime, "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFFFK", System.Globalization.CultureInfo.InvariantCulture,
                            System.Globalization.DateTimeStyles.None, out var at))
                        throw StartFailed(name, "start times must be in RFC3339 format (e.g. \"2009-11-10T23:00:00Z\")");
                    request.ScheduledStartTimestamp = Timestamp.FromDateTimeOffset(at);
                }
                try
                {
                    await engine.StartAsync(request, context.RequestAborted);
                }
                catch (RpcException e)
                {
                    throw StartFailed(name, $"unable to start workflow: {e.Status.Detail}");
                }
                context.Response.StatusCode = 202;
                await context.Response.WriteAsJsonAsync(new JsonObject { ["instanceID"] = id });
            }));

            api.MapGet("/{id}", (HttpContext context, string id) => Run(context, async () =>
            {
                var response = await engine.GetAsync(id, true, context.RequestAborted);
                if (!response.Exists) throw NotFound(id);
                await context.Response.WriteAsJsonAsync(Describe(response.WorkflowState));
            }));

            api.MapPost("/{id}/raiseEvent/{eventName}", (HttpContext context, string id, string eventName) => Run(context, async () =>
            {
                var input = await ReadBodyAsync(context);
                await AddAsync(engine, id, new HistoryEvent { EventRaised = new EventRaisedEvent { Name = eventName, Input = input } }, context,
                    message => new DaprApiException(StatusCode.Internal, 500, "ERR_RAISE_EVENT_WORKFLOW",
                        $"error raising event on workflow '{id}': failed to raise event {eventName} on workflow {id}: {message}"));
            }));

            api.MapPost("/{id}/terminate", (HttpContext context, string id) => Run(context, () =>
                AddAsync(engine, id, new HistoryEvent { ExecutionTerminated = new ExecutionTerminatedEvent { Recurse = true } }, context, _ => NotFound(id))));

            api.MapPost("/{id}/pause", (HttpContext context, string id) => Run(context, () =>
                AddAsync(engine, id, new HistoryEvent { ExecutionSuspended = new ExecutionSuspendedEvent() }, context,
                    message => new DaprApiException(StatusCode.Internal, 500, "ERR_PAUSE_WORKFLOW", $"error pausing workflow {id}: failed to pause workflow {id}: {message}"))));

            api.MapPost("/{id}/resume", (HttpContext context, string id) => Run(context, () =>
                AddAsync(engine, id, new HistoryEvent { ExecutionResumed = new ExecutionResumedEvent() }, context,
                    message => new DaprApiException(StatusCode.Internal, 500, "ERR_RESUME_WORKFLOW", $"error resuming workflow {id}: failed to resume workflow {id}: {message}"))));

            api.MapPost("/{id}/purge", (HttpContext context, string id) => Run(context, async () =>
            {
                try
                {
                    await engine.PurgeAsync(id, true, context.RequestAborted);
                }
                catch (InstanceNotFoundException)
                {
                    throw NotFound(id);
                }
                catch (InvalidOperationException e)
                {
                    throw new DaprApiException(StatusCode.Internal, 500, "ERR_PURGE_WORKFLOW", $"error purging workflow {id}: failed to Purge workflow {id}: {e.Message}");
                }
                context.Response.StatusCode = 202;
            }));
        }
    }

    private static async Task AddAsync(WorkflowEngine engine, string id, HistoryEvent e, HttpContext context, Func<string, DaprApiException> notFound)
    {
        e.EventId = -1;
        e.Timestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
        try
        {
            await engine.AddEventAsync(id, e, context.RequestAborted);
        }
        catch (InstanceNotFoundException ex)
        {
            throw notFound(ex.Message);
        }
        context.Response.StatusCode = 202;
    }

    /// <summary>daprd's <c>GetWorkflowResponse</c> as protojson: status names and the <c>dapr.workflow.*</c> properties.</summary>
    private static JsonObject Describe(WorkflowState state)
    {
        var properties = new JsonObject();
        if (state.CustomStatus is not null) properties["dapr.workflow.custom_status"] = state.CustomStatus;
        if (state.Input is not null) properties["dapr.workflow.input"] = state.Input;
        if (state.Output is not null && state.FailureDetails is null) properties["dapr.workflow.output"] = state.Output;
        if (state.FailureDetails is { } failure)
        {
            properties["dapr.workflow.failure.error_type"] = failure.ErrorType;
            properties["dapr.workflow.failure.error_message"] = failure.ErrorMessage;
            if (failure.StackTrace is not null) properties["dapr.workflow.failure.stack_trace"] = failure.StackTrace;
        }
        return new JsonObject
        {
            ["instanceID"] = state.InstanceId,
            ["workflowName"] = state.Name,
            ["createdAt"] = Json(state.CreatedTimestamp),
            ["lastUpdatedAt"] = Json(state.LastUpdatedTimestamp),
            ["runtimeStatus"] = StatusName(state.WorkflowStatus),
            ["properties"] = properties,
        };
    }

    /// <summary>daprd's names (<c>statusMap</c>); STALLED has none there and reads UNKNOWN.</summary>
    private static string StatusName(OrchestrationStatus status) => status switch
    {
        OrchestrationStatus.Running => "RUNNING",
        OrchestrationStatus.Completed => "COMPLETED",
        OrchestrationStatus.ContinuedAsNew => "CONTINUED_AS_NEW",
        OrchestrationStatus.Failed => "FAILED",
        OrchestrationStatus.Canceled => "CANCELED",
        OrchestrationStatus.Terminated => "TERMINATED",
        OrchestrationStatus.Pending => "PENDING",
        OrchestrationStatus.Suspended => "SUSPENDED",
        _ => "UNKNOWN",
    };

    private static string Json(Timestamp? timestamp) => (timestamp ?? new Timestamp()).ToString().Trim('"');

    private static void ValidateForCreate(string id)
    {
        if (id.Length > MaxInstanceIdLength)
            throw new DaprApiException(StatusCode.InvalidArgument, 400, "ERR_INSTANCE_ID_TOO_LONG", $"workflow instance ID exceeds the max length of {MaxInstanceIdLength} characters");
        if (!id.All(c => char.IsLetterOrDigit(c) || c is '_' or '-'))
            throw new DaprApiException(StatusCode.InvalidArgument, 400, "ERR_INSTANCE_ID_INVALID", $"workflow instance ID '{id}' is invalid: only alphanumeric and underscore characters are allowed");
    }

    private static DaprApiException NotFound(string id) =>
        new(StatusCode.NotFound, 404, "ERR_INSTANCE_ID_NOT_FOUND", $"unable to find workflow with the provided instance ID: {id}");

    private static DaprApiException StartFailed(string name, string reason) =>
        new(StatusCode.Internal, 500, "ERR_START_WORKFLOW", $"error starting workflow '{name}': {reason}");

    private static async Task Run(HttpContext context, Func<Task> body)
    {
        try
        {
            await body();
        }
        catch (DaprApiException e)
        {
            await HttpApi.WriteErrorAsync(context, e);
        }
    }

    private static async Task<string> ReadBodyAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        return await reader.ReadToEndAsync(context.RequestAborted);
    }
}
