using System.Globalization;
using System.Text.Json.Nodes;
using Dapr.Workflow;
using Grpc.Core;
using WorkflowApp;

namespace LocalDapr.Tests;

/// <summary>
/// Workflows driven by the unmodified Dapr.Workflow 1.19.1 SDK against the local runtime, on both backends
/// (<see cref="WorkflowConformanceTests_InMemory"/>, <see cref="WorkflowConformanceTests_Redis"/>). The app is
/// <c>tests/TestApps/WorkflowApp</c>, written the plain way: it is given only DAPR_GRPC_PORT and DAPR_HTTP_PORT.
/// </summary>
public abstract class WorkflowConformanceTests
{
    protected abstract Backend Backend { get; }

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>A sidecar for <paramref name="appId"/> and the workflow app beside it (started unless told otherwise).</summary>
    protected async Task<WorkflowNode> StartAsync(Harness harness, string appId = "wf", bool startApp = true)
    {
        var node = await harness.AddAsync(appId, withApp: false);
        var app = new WorkflowNode(node);
        if (startApp) await app.StartAppAsync();
        return app;
    }

    [Fact]
    public async Task A_chain_of_activities_completes_with_its_output_and_input_in_the_state()
    {
        await using var harness = Harness.Create(backend: Backend);
        await using var wf = await StartAsync(harness);

        var id = await wf.Client.ScheduleNewWorkflowAsync(nameof(ChainWorkflow), "chain-1", 10);
        var state = await wf.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct).WaitAsync(Patience, Ct);

        Assert.Equal("chain-1", id);
        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal(15, state.ReadOutputAs<int>());
        Assert.Equal(10, state.ReadInputAs<int>());
        Assert.Equal(nameof(ChainWorkflow), state.WorkflowName);
        Assert.True(state.LastUpdatedAt >= state.CreatedAt);
    }

    [Fact]
    public async Task An_id_that_is_running_is_refused_and_a_finished_one_is_started_again()
    {
        await using var harness = Harness.Create(backend: Backend);
        await using var wf = await StartAsync(harness);

        await wf.Client.ScheduleNewWorkflowAsync(nameof(EventWorkflow), "dup", 0);
        var refused = await Assert.ThrowsAsync<RpcException>(() => wf.Client.ScheduleNewWorkflowAsync(nameof(EventWorkflow), "dup", 0));
        Assert.Equal(StatusCode.AlreadyExists, refused.StatusCode);
        Assert.Equal("an active workflow with ID 'dup' already exists", refused.Status.Detail);

        await wf.Client.RaiseEventAsync("dup", "go", "first", Ct);
        var first = await wf.Client.WaitForWorkflowCompletionAsync("dup", cancellation: Ct).WaitAsync(Patience, Ct);
        Assert.Equal("first", first.ReadOutputAs<string>());

        await wf.Client.ScheduleNewWorkflowAsync(nameof(ChainWorkflow), "dup", 1);
        var second = await wf.Client.WaitForWorkflowCompletionAsync("dup", cancellation: Ct).WaitAsync(Patience, Ct);
        Assert.Equal(6, second.ReadOutputAs<int>());
        Assert.Equal(nameof(ChainWorkflow), second.WorkflowName);
    }

    [Fact]
    public async Task External_events_are_delivered_and_an_event_that_never_comes_times_out()
    {
        await using var harness = Harness.Create(backend: Backend);
        await using var wf = await StartAsync(harness);

        await wf.Client.ScheduleNewWorkflowAsync(nameof(EventWorkflow), "waits", 0);
        await wf.Client.ScheduleNewWorkflowAsync(nameof(EventWorkflow), "times-out", 1);
        await wf.Client.ScheduleNewWorkflowAsync(nameof(EventWorkflow), "in-time", 30);
        var running = await wf.Client.GetWorkflowStateAsync("waits", true, Ct);
        Assert.Equal(WorkflowRuntimeStatus.Running, running.RuntimeStatus);

        await wf.Client.RaiseEventAsync("waits", "go", "hello", Ct);
        await wf.Client.RaiseEventAsync("in-time", "go", "soon enough", Ct);

        Assert.Equal("hello", (await wf.Client.WaitForWorkflowCompletionAsync("waits", cancellation: Ct).WaitAsync(Patience, Ct)).ReadOutputAs<string>());
        Assert.Equal("soon enough", (await wf.Client.WaitForWorkflowCompletionAsync("in-time", cancellation: Ct).WaitAsync(Patience, Ct)).ReadOutputAs<string>());
        Assert.Equal("timeout", (await wf.Client.WaitForWorkflowCompletionAsync("times-out", cancellation: Ct).WaitAsync(Patience, Ct)).ReadOutputAs<string>());
    }

    [Fact]
    public async Task A_failing_activity_is_retried_by_the_sdks_policy_until_it_succeeds()
    {
        await using var harness = Harness.Create(backend: Backend);
        await using var wf = await StartAsync(harness);
        var key = $"retry-{Backend.Name}-{Guid.NewGuid():N}";

        await wf.Client.ScheduleNewWorkflowAsync(nameof(RetryWorkflow), "retry", key);
        var state = await wf.Client.WaitForWorkflowCompletionAsync("retry", cancellation: Ct).WaitAsync(Patience, Ct);

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal($"{key} after 3 attempts", state.ReadOutputAs<string>());
    }

    [Fact]
    public async Task A_failed_workflow_reports_its_failure_details()
    {
        await using var harness = Harness.Create(backend: Backend);
        await using var wf = await StartAsync(harness);

        await wf.Client.ScheduleNewWorkflowAsync(nameof(FailingWorkflow), "fails", "purpose");
        var state = await wf.Client.WaitForWorkflowCompletionAsync("fails", cancellation: Ct).WaitAsync(Patience, Ct);

        Assert.Equal(WorkflowRuntimeStatus.Failed, state.RuntimeStatus);
        Assert.Equal("System.InvalidOperationException", state.FailureDetails?.ErrorType);
        Assert.Equal("failed on purpose", state.FailureDetails?.ErrorMessage);
    }

    [Fact]
    public async Task Child_workflows_run_and_their_results_return_to_the_parent()
    {
        await using var harness = Harness.Create(backend: Backend);
        await using var wf = await StartAsync(harness);

        await wf.Client.ScheduleNewWorkflowAsync(nameof(ParentWorkflow), "parent", 1);
        var state = await wf.Client.WaitForWorkflowCompletionAsync("parent", cancellation: Ct).WaitAsync(Patience, Ct);
        var child = await wf.Client.GetWorkflowStateAsync("parent-b", true, Ct);

        Assert.Equal(6 + 15, state.ReadOutputAs<int>());
        Assert.Equal(WorkflowRuntimeStatus.Completed, child.RuntimeStatus);
        Assert.Equal(15, child.ReadOutputAs<int>());
    }

    [Fact]
    public async Task Continue_as_new_restarts_with_the_new_input_and_keeps_the_events_that_arrived_meanwhile()
    {
        await using var harness = Harness.Create(backend: Backend);
        await using var wf = await StartAsync(harness);

        await wf.Client.ScheduleNewWorkflowAsync(nameof(ContinueWorkflow), "loop", new ContinueInput(0, 6));
        foreach (var n in new[] { 1, 2, 3 }) await wf.Client.RaiseEventAsync("loop", "add", n, Ct);
        var state = await wf.Client.WaitForWorkflowCompletionAsync("loop", cancellation: Ct).WaitAsync(Patience, Ct);

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal(6, state.ReadOutputAs<int>());
        Assert.Equal(new ContinueInput(6, 6), state.ReadInputAs<ContinueInput>());
        Assert.Equal(6, state.ReadCustomStatusAs<int>());
    }

    [Fact]
    public async Task Terminate_suspend_resume_and_purge_act_as_daprd_does()
    {
        await using var harness = Harness.Create(backend: Backend);
        await using var wf = await StartAsync(harness);

        await wf.Client.ScheduleNewWorkflowAsync(nameof(EventWorkflow), "paused", 0);
        await wf.Client.SuspendWorkflowAsync("paused", "a reason", Ct);
        Assert.Equal(WorkflowRuntimeStatus.Suspended, (await wf.Client.GetWorkflowStateAsync("paused", true, Ct)).RuntimeStatus);
        await wf.Client.RaiseEventAsync("paused", "go", "while suspended", Ct);
        Assert.Equal(WorkflowRuntimeStatus.Suspended, (await wf.Client.GetWorkflowStateAsync("paused", true, Ct)).RuntimeStatus);
        await wf.Client.ResumeWorkflowAsync("paused", "go on", Ct);
        var resumed = await wf.Client.WaitForWorkflowCompletionAsync("paused", cancellation: Ct).WaitAsync(Patience, Ct);
        Assert.Equal("while suspended", resumed.ReadOutputAs<string>());

        await wf.Client.ScheduleNewWorkflowAsync(nameof(EventWorkflow), "stopped", 0);
        var notYet = await Assert.ThrowsAsync<RpcException>(() => wf.Client.PurgeInstanceAsync("stopped", Ct));
        Assert.Equal("failed to purge workflow state: orchestration has not yet completed", notYet.Status.Detail);
        await wf.Client.TerminateWorkflowAsync("stopped", "enough", Ct);
        var terminated = await wf.Client.GetWorkflowStateAsync("stopped", true, Ct);
        Assert.Equal(WorkflowRuntimeStatus.Terminated, terminated.RuntimeStatus);
        Assert.Equal("enough", terminated.ReadOutputAs<string>());

        Assert.True(await wf.Client.PurgeInstanceAsync("stopped", Ct));
        Assert.False((await wf.Client.GetWorkflowStateAsync("stopped", true, Ct)).Exists);
    }

    [Fact]
    public async Task Terminate_and_purge_are_recursive_over_child_workflows()
    {
        await using var harness = Harness.Create(backend: Backend);
        await using var wf = await StartAsync(harness);

        await wf.Client.ScheduleNewWorkflowAsync(nameof(ParentWorkflow), "family", 1);
        await wf.Client.WaitForWorkflowCompletionAsync("family", cancellation: Ct).WaitAsync(Patience, Ct);
        Assert.True(await wf.Client.PurgeInstanceAsync("family", Ct));
        Assert.False((await wf.Client.GetWorkflowStateAsync("family-a", false, Ct)).Exists);
        Assert.False((await wf.Client.GetWorkflowStateAsync("family-b", false, Ct)).Exists);
    }

    [Fact]
    public async Task Unknown_instances_are_refused_as_daprd_refuses_them()
    {
        await using var harness = Harness.Create(backend: Backend);
        await using var wf = await StartAsync(harness);

        Assert.False((await wf.Client.GetWorkflowStateAsync("nobody", true, Ct)).Exists);
        var raise = await Assert.ThrowsAsync<RpcException>(() => wf.Client.RaiseEventAsync("nobody", "go", "x", Ct));
        Assert.Equal((StatusCode.Unknown, "no such instance exists"), (raise.StatusCode, raise.Status.Detail));
        var terminate = await Assert.ThrowsAsync<RpcException>(() => wf.Client.TerminateWorkflowAsync("nobody", null, Ct));
        Assert.Equal((StatusCode.Unknown, "failed to submit termination request: no such instance exists"), (terminate.StatusCode, terminate.Status.Detail));
        var purge = await Assert.ThrowsAsync<RpcException>(() => wf.Client.PurgeInstanceAsync("nobody", Ct));
        Assert.Equal((StatusCode.Unknown, "failed to purge workflow state: no such instance exists"), (purge.StatusCode, purge.Status.Detail));
    }

    [Fact]
    public async Task An_unknown_workflow_name_fails_the_instance_as_the_sdk_reports_it()
    {
        await using var harness = Harness.Create(backend: Backend);
        await using var wf = await StartAsync(harness);

        await wf.Client.ScheduleNewWorkflowAsync("NoSuchWorkflow", "unknown-name", 1);
        var state = await wf.Client.WaitForWorkflowCompletionAsync("unknown-name", cancellation: Ct).WaitAsync(Patience, Ct);

        Assert.Equal(WorkflowRuntimeStatus.Failed, state.RuntimeStatus);
        Assert.Equal("WorkflowNotFound", state.FailureDetails?.ErrorType);
    }

    [Fact]
    public async Task The_http_api_starts_reads_raises_pauses_resumes_terminates_and_purges_as_daprd()
    {
        await using var harness = Harness.Create(backend: Backend);
        await using var wf = await StartAsync(harness);
        using var http = new HttpClient { BaseAddress = new Uri(wf.Node.HttpEndpoint) };

        var started = await http.PostAsync("/v1.0/workflows/dapr/ChainWorkflow/start?instanceID=http-chain", new StringContent("3"), Ct);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.Equal("""{"instanceID":"http-chain"}""", await started.Content.ReadAsStringAsync(Ct));
        await wf.Client.WaitForWorkflowCompletionAsync("http-chain", cancellation: Ct).WaitAsync(Patience, Ct);
        var got = JsonNode.Parse(await http.GetStringAsync("/v1.0/workflows/dapr/http-chain", Ct))!;
        Assert.Equal("http-chain", (string?)got["instanceID"]);
        Assert.Equal("ChainWorkflow", (string?)got["workflowName"]);
        Assert.Equal("COMPLETED", (string?)got["runtimeStatus"]);
        Assert.Equal("3", (string?)got["properties"]!["dapr.workflow.input"]);
        Assert.Equal("8", (string?)got["properties"]!["dapr.workflow.output"]);
        Assert.True(DateTimeOffset.TryParse((string?)got["createdAt"], CultureInfo.InvariantCulture, out _));
        Assert.Equal("COMPLETED", (string?)JsonNode.Parse(await http.GetStringAsync("/v1.0-beta1/workflows/dapr/http-chain", Ct))!["runtimeStatus"]);

        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync("/v1.0/workflows/dapr/EventWorkflow/start?instanceID=http-event", new StringContent("0"), Ct)).StatusCode);
        await wf.Client.WaitForWorkflowStartAsync("http-event", cancellation: Ct).WaitAsync(Patience, Ct);
        await AssertErrorAsync(await http.PostAsync("/v1.0/workflows/dapr/EventWorkflow/start?instanceID=http-event", new StringContent("0"), Ct), 500,
            "ERR_START_WORKFLOW", "error starting workflow 'EventWorkflow': unable to start workflow: an active workflow with ID 'http-event' already exists");
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync("/v1.0/workflows/dapr/http-event/pause", null, Ct)).StatusCode);
        await UntilAsync(async () => (await wf.Client.GetWorkflowStateAsync("http-event", false, Ct)).RuntimeStatus == WorkflowRuntimeStatus.Suspended);
        Assert.Equal("SUSPENDED", (string?)JsonNode.Parse(await http.GetStringAsync("/v1.0/workflows/dapr/http-event", Ct))!["runtimeStatus"]);
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync("/v1.0/workflows/dapr/http-event/raiseEvent/go", new StringContent("\"from curl\""), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync("/v1.0/workflows/dapr/http-event/resume", null, Ct)).StatusCode);
        var raised = await wf.Client.WaitForWorkflowCompletionAsync("http-event", cancellation: Ct).WaitAsync(Patience, Ct);
        Assert.Equal("from curl", raised.ReadOutputAs<string>());

        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync("/v1.0/workflows/dapr/EventWorkflow/start?instanceID=http-stop", new StringContent("0"), Ct)).StatusCode);
        await wf.Client.WaitForWorkflowStartAsync("http-stop", cancellation: Ct).WaitAsync(Patience, Ct);
        await AssertErrorAsync(await http.PostAsync("/v1.0/workflows/dapr/http-stop/purge", null, Ct), 500,
            "ERR_PURGE_WORKFLOW", "error purging workflow http-stop: failed to Purge workflow http-stop: orchestration has not yet completed");
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync("/v1.0/workflows/dapr/http-stop/terminate", null, Ct)).StatusCode);
        Assert.Equal(WorkflowRuntimeStatus.Terminated, (await wf.Client.WaitForWorkflowCompletionAsync("http-stop", cancellation: Ct).WaitAsync(Patience, Ct)).RuntimeStatus);
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync("/v1.0/workflows/dapr/http-stop/purge", null, Ct)).StatusCode);
        await AssertErrorAsync(await http.GetAsync("/v1.0/workflows/dapr/http-stop", Ct), 404, "ERR_INSTANCE_ID_NOT_FOUND", "unable to find workflow with the provided instance ID: http-stop");
    }

    [Fact]
    public async Task The_http_api_refuses_bad_input_and_unknown_instances_with_daprds_codes()
    {
        await using var harness = Harness.Create(backend: Backend);
        await using var wf = await StartAsync(harness);
        using var http = new HttpClient { BaseAddress = new Uri(wf.Node.HttpEndpoint) };

        await AssertErrorAsync(await http.PostAsync("/v1.0/workflows/dapr/ChainWorkflow/start?instanceID=bad.id", new StringContent("1"), Ct), 400,
            "ERR_INSTANCE_ID_INVALID", "workflow instance ID 'bad.id' is invalid: only alphanumeric and underscore characters are allowed");
        await AssertErrorAsync(await http.PostAsync($"/v1.0/workflows/dapr/ChainWorkflow/start?instanceID={new string('x', 65)}", new StringContent("1"), Ct), 400,
            "ERR_INSTANCE_ID_TOO_LONG", "workflow instance ID exceeds the max length of 64 characters");
        await AssertErrorAsync(await http.GetAsync("/v1.0/workflows/dapr/nobody", Ct), 404, "ERR_INSTANCE_ID_NOT_FOUND", "unable to find workflow with the provided instance ID: nobody");
        await AssertErrorAsync(await http.PostAsync("/v1.0/workflows/dapr/nobody/terminate", null, Ct), 404, "ERR_INSTANCE_ID_NOT_FOUND", "unable to find workflow with the provided instance ID: nobody");
        await AssertErrorAsync(await http.PostAsync("/v1.0/workflows/dapr/nobody/purge", null, Ct), 404, "ERR_INSTANCE_ID_NOT_FOUND", "unable to find workflow with the provided instance ID: nobody");
        await AssertErrorAsync(await http.PostAsync("/v1.0/workflows/dapr/nobody/raiseEvent/go", new StringContent("1"), Ct), 500,
            "ERR_RAISE_EVENT_WORKFLOW", "error raising event on workflow 'nobody': failed to raise event go on workflow nobody: no such instance exists");
        await AssertErrorAsync(await http.PostAsync("/v1.0/workflows/dapr/nobody/pause", null, Ct), 500,
            "ERR_PAUSE_WORKFLOW", "error pausing workflow nobody: failed to pause workflow nobody: no such instance exists");
        await AssertErrorAsync(await http.PostAsync("/v1.0/workflows/dapr/nobody/resume", null, Ct), 500,
            "ERR_RESUME_WORKFLOW", "error resuming workflow nobody: failed to resume workflow nobody: no such instance exists");
        await AssertErrorAsync(await http.PostAsync("/v1.0/workflows/dapr/ChainWorkflow/start?instanceID=later&dapr.workflow.start_time=tomorrow", new StringContent("1"), Ct), 500,
            "ERR_START_WORKFLOW", "error starting workflow 'ChainWorkflow': start times must be in RFC3339 format (e.g. \"2009-11-10T23:00:00Z\")");
    }

    [Fact]
    public async Task A_completion_for_a_work_item_the_worker_was_not_given_is_ignored_and_history_stays_whole()
    {
        await using var harness = Harness.Create(backend: Backend);
        await using var wf = await StartAsync(harness);
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(wf.Node.GrpcEndpoint);
        var raw = new Dapr.DurableTask.Protobuf.TaskHubSidecarService.TaskHubSidecarServiceClient(channel);
        await wf.Client.ScheduleNewWorkflowAsync(nameof(EventWorkflow), "guarded", 0);

        await raw.CompleteActivityTaskAsync(new Dapr.DurableTask.Protobuf.ActivityResponse { InstanceId = "guarded", TaskId = 0, Result = "1", CompletionToken = "forged" }, cancellationToken: Ct);
        var forgedTurn = new Dapr.DurableTask.Protobuf.WorkflowResponse { InstanceId = "guarded", CompletionToken = "forged" };
        forgedTurn.Actions.Add(new Dapr.DurableTask.Protobuf.WorkflowAction
        {
            Id = 0,
            CompleteWorkflow = new Dapr.DurableTask.Protobuf.CompleteWorkflowAction { WorkflowStatus = Dapr.DurableTask.Protobuf.OrchestrationStatus.Completed, Result = "\"forged\"" },
        });
#pragma warning disable CS0612 // The SDK 1.19.1 worker still completes turns with the deprecated method.
        await raw.CompleteOrchestratorTaskAsync(forgedTurn, cancellationToken: Ct);
#pragma warning restore CS0612
        await raw.CompleteWorkflowTaskAsync(forgedTurn, cancellationToken: Ct);
        Assert.Equal(WorkflowRuntimeStatus.Running, (await wf.Client.GetWorkflowStateAsync("guarded", true, Ct)).RuntimeStatus);

        await wf.Client.RaiseEventAsync("guarded", "go", "genuine", Ct);
        var state = await wf.Client.WaitForWorkflowCompletionAsync("guarded", cancellation: Ct).WaitAsync(Patience, Ct);
        Assert.Equal("genuine", state.ReadOutputAs<string>());
    }

    [Fact]
    public async Task A_workflow_whose_code_is_not_deterministic_fails_and_its_history_stays_readable()
    {
        await using var harness = Harness.Create(backend: Backend);
        await using var wf = await StartAsync(harness);
        var id = $"nondeterministic-{Backend.Name}";

        await wf.Client.ScheduleNewWorkflowAsync(nameof(NonDeterministicWorkflow), id, "x");
        var state = await wf.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct).WaitAsync(Patience, Ct);

        // The SDK finds the divergence on replay (a timer's history where the code now awaits an activity) and fails
        // the workflow; the runtime stores that outcome like any other and the instance reads back whole.
        Assert.Equal(WorkflowRuntimeStatus.Failed, state.RuntimeStatus);
        Assert.Equal("System.InvalidOperationException", state.FailureDetails?.ErrorType);
        Assert.Equal("Unexpected history event type for task ID 0", state.FailureDetails?.ErrorMessage);
        Assert.Equal(WorkflowRuntimeStatus.Failed, (await wf.Client.GetWorkflowStateAsync(id, true, Ct)).RuntimeStatus);
    }

    [Fact]
    public async Task The_work_items_of_a_worker_that_goes_away_go_to_the_next_worker()
    {
        await using var harness = Harness.Create(backend: Backend);
        await using var first = await StartAsync(harness);
        var id = $"handover-{Backend.Name}-{Guid.NewGuid():N}";

        await first.Client.ScheduleNewWorkflowAsync(nameof(FanOutWorkflow), id, new FanOut(1, 2000));
        await Until(() => SlowActivity.ByInstance.TryGetValue(id, out var c) && c.Started == 1);
        await using var second = new WorkflowNode(first.Node);
        await second.StartAppAsync();
        await first.StopAppAsync();
        var state = await second.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct).WaitAsync(Patience, Ct);

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal(2000, state.ReadOutputAs<int>());
        Assert.Equal(2, SlowActivity.ByInstance[id].Started);
    }

    [Fact]
    public async Task The_configurations_activity_limit_bounds_the_activities_run_at_once()
    {
        const string configuration = """
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata:
              name: workflow-limits
            spec:
              workflow:
                maxConcurrentWorkflowInvocations: 1
                maxConcurrentActivityInvocations: 2
            """;
        await using var harness = Harness.Create(Harness.DefaultComponents + "\n" + configuration, backend: Backend);
        await using var wf = await StartAsync(harness);
        var id = $"limited-{Backend.Name}-{Guid.NewGuid():N}";

        await wf.Client.ScheduleNewWorkflowAsync(nameof(FanOutWorkflow), id, new FanOut(6, 300));
        var state = await wf.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct).WaitAsync(Patience, Ct);

        Assert.Equal(1800, state.ReadOutputAs<int>());
        Assert.Equal(6, SlowActivity.ByInstance[id].Started);
        Assert.Equal(2, SlowActivity.ByInstance[id].MaxRunning);
    }

    private static Task Until(Func<bool> condition) => UntilAsync(() => Task.FromResult(condition()));

    private static async Task UntilAsync(Func<Task<bool>> condition)
    {
        var until = DateTimeOffset.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTimeOffset.UtcNow > until) throw new TimeoutException("the condition did not hold in time");
            await Task.Delay(20, Ct);
        }
    }

    private static Task<string> AssertErrorAsync(HttpResponseMessage response, int status, string errorCode, string message) =>
        response.AssertDaprErrorAsync((System.Net.HttpStatusCode)status, errorCode, message);
}

public sealed class WorkflowConformanceTests_InMemory : WorkflowConformanceTests
{
    protected override Backend Backend => Backend.InMemory;
}

public sealed class WorkflowConformanceTests_Redis(RedisFixture redis) : WorkflowConformanceTests
{
    protected override Backend Backend => redis.Backend;

    [Fact]
    public async Task History_is_kept_in_the_actor_state_store_in_daprds_layout()
    {
        await using var harness = Harness.Create(backend: Backend);
        await using var wf = await StartAsync(harness);
        await wf.Client.ScheduleNewWorkflowAsync(nameof(ChainWorkflow), "layout", 1);
        await wf.Client.WaitForWorkflowCompletionAsync("layout", cancellation: Ct).WaitAsync(TimeSpan.FromSeconds(60), Ct);
        await using var mux = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(harness.RedisHost!);
        var db = mux.GetDatabase(harness.RedisDatabase);
        const string prefix = "wf||dapr.internal.default.wf.workflow||layout||";

        var metadata = Dapr.DurableTask.Protobuf.BackendWorkflowStateMetadata.Parser.ParseFrom((byte[])(await db.HashGetAsync(prefix + "metadata", "data"))!);
        var history = new List<Dapr.DurableTask.Protobuf.HistoryEvent>();
        for (var i = 0; i < (int)metadata.HistoryLength; i++)
            history.Add(Dapr.DurableTask.Protobuf.HistoryEvent.Parser.ParseFrom((byte[])(await db.HashGetAsync(prefix + $"history-{i:D6}", "data"))!));

        Assert.Equal(0ul, metadata.InboxLength);
        Assert.False(await db.KeyExistsAsync(prefix + "inbox-000000"));
        Assert.False(await db.KeyExistsAsync(prefix + $"history-{metadata.HistoryLength:D6}"));
        Assert.NotNull(history[0].WorkflowStarted);
        Assert.Equal("ChainWorkflow", history[1].ExecutionStarted.Name);
        Assert.Equal(5, history.Count(e => e.TaskScheduled is not null));
        Assert.Equal(5, history.Count(e => e.TaskCompleted is not null));
        Assert.Equal("6", history[^1].ExecutionCompleted.Result);
    }
}

/// <summary>A sidecar and the workflow app on it (in this process), with the SDK's client of that app.</summary>
public sealed class WorkflowNode(Node node) : IAsyncDisposable
{
    private IHost? _app;

    public Node Node { get; } = node;

    public DaprWorkflowClient Client => _app?.Services.GetRequiredService<DaprWorkflowClient>() ?? throw new InvalidOperationException("the app is not running");

    /// <summary>The app's arguments: only the two ports, as the environment would give them.</summary>
    public string[] Args =>
    [
        $"--DAPR_GRPC_PORT={Node.Sidecar.GrpcPort.ToString(CultureInfo.InvariantCulture)}",
        $"--DAPR_HTTP_PORT={Node.Sidecar.HttpPort.ToString(CultureInfo.InvariantCulture)}",
        "--Logging:LogLevel:Default=Warning",
    ];

    public async Task StartAppAsync()
    {
        _app = WorkflowHost.Build(Args);
        await _app.StartAsync();
    }

    public async Task StopAppAsync()
    {
        if (_app is null) return;
        await _app.StopAsync(TimeSpan.FromSeconds(5));
        _app.Dispose();
        _app = null;
    }

    public async ValueTask DisposeAsync() => await StopAppAsync();
}
