using System.Globalization;
using Dapr.Workflow;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
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
}

public sealed class WorkflowConformanceTests_InMemory : WorkflowConformanceTests
{
    protected override Backend Backend => Backend.InMemory;
}

public sealed class WorkflowConformanceTests_Redis(RedisFixture redis) : WorkflowConformanceTests
{
    protected override Backend Backend => redis.Backend;
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
