using System.Globalization;
using Dapr.Client;
using Dapr.DurableTask.Protobuf;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using LocalDapr.Runner;
using WorkflowApp;

namespace LocalDapr.Tests;

/// <summary>
/// Workflows on Redis surviving the runtime and the app killed with SIGKILL: the runner (which hosts the sidecar) and
/// the workflow app run as real processes, as a user runs them, and are started again on the same ports and Redis.
/// </summary>
public sealed class WorkflowDurabilityTests(RedisFixture redis) : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static string Bin => AppContext.BaseDirectory;

    // The runner gives the app and its sidecar this API token (it would make one of its own otherwise), so the test can call the sidecar too.
    private static readonly string ApiToken = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    private readonly string _dir = Directory.CreateTempSubdirectory("local-dapr-wf-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task A_workflow_with_an_activity_done_a_timer_pending_and_an_event_awaited_survives_kill_9_of_runtime_and_app()
    {
        var components = Path.Combine(_dir, "components");
        Directory.CreateDirectory(components);
        File.WriteAllText(Path.Combine(components, "components.yaml"), RedisComponents.Rewrite(Harness.DefaultComponents, redis.RequireEndpoint(), redis.NextDatabase()));
        int http = Sidecar.Sidecar.FreePort(), grpc = Sidecar.Sidecar.FreePort();
        var runFile = Path.Combine(_dir, "dapr.yaml");
        File.WriteAllText(runFile, $"""
            version: 1
            common:
              resourcesPath: ./components
            apps:
              - appID: orders
                appDirPath: .
                daprHTTPPort: {http}
                daprGRPCPort: {grpc}
                command: ["dotnet", "{Path.Combine(Bin, "WorkflowApp.dll")}"]
            """);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpc.ToString(CultureInfo.InvariantCulture)}");
        var client = new TaskHubSidecarService.TaskHubSidecarServiceClient(channel.Intercept(metadata =>
        {
            metadata.Add("dapr-api-token", ApiToken);
            return metadata;
        }));

        var first = await StartRunnerAsync(runFile);
        DateTimeOffset started;
        try
        {
            // StartInstance answers once the app's worker ran the first turn.
            await client.StartInstanceAsync(new CreateInstanceRequest { InstanceId = "durable", Name = nameof(DurableWorkflow), Input = """{"timerSeconds":20}""" },
                deadline: DateTime.UtcNow.AddSeconds(60), cancellationToken: Ct);
            started = DateTimeOffset.UtcNow;
            var waiting = await StateWhenAsync(client, "durable", s => s.CustomStatus == "\"waiting\"", TimeSpan.FromSeconds(30));
            Assert.Equal(OrchestrationStatus.Running, waiting.WorkflowStatus);

            var app = first.PidOf("orders");
            ProcessTree.Signal(app, ProcessTree.SigKill);
            first.Signal(ProcessTree.SigKill);
            await first.Exited.WaitAsync(TimeSpan.FromSeconds(10), Ct);
            await Eventually.UntilAsync(() => !ProcessTree.IsAlive(app), "the killed app to be gone", TimeSpan.FromSeconds(10), Ct);
        }
        finally
        {
            await first.DisposeAsync();
        }

        await using var second = await StartRunnerAsync(runFile);
        var afterRestart = await client.GetInstanceAsync(new GetInstanceRequest { InstanceId = "durable", GetInputsAndOutputs = true }, cancellationToken: Ct);
        Assert.Equal(OrchestrationStatus.Running, afterRestart.WorkflowState.WorkflowStatus);
        await client.RaiseEventAsync(new RaiseEventRequest { InstanceId = "durable", Name = "approval", Input = "\"the controller\"" }, cancellationToken: Ct);
        var done = await client.WaitForInstanceCompletionAsync(new GetInstanceRequest { InstanceId = "durable", GetInputsAndOutputs = true },
            deadline: DateTime.UtcNow.AddSeconds(90), cancellationToken: Ct);

        Assert.Equal(OrchestrationStatus.Completed, done.WorkflowState.WorkflowStatus);
        Assert.Equal("\"approved by the controller\"", done.WorkflowState.Output);
        Assert.Equal("\"done\"", done.WorkflowState.CustomStatus);
        // The 20-second timer ran out (it did not fire early, nor get lost across the outage).
        Assert.True(done.WorkflowState.CompletedTimestamp.ToDateTimeOffset() >= started.AddSeconds(19), $"completed at {done.WorkflowState.CompletedTimestamp}, started {started}");
        using var dapr = new DaprClientBuilder().UseGrpcEndpoint($"http://127.0.0.1:{grpc.ToString(CultureInfo.InvariantCulture)}").UseDaprApiToken(ApiToken).Build();
        Assert.Equal(1, await dapr.GetStateAsync<int>("statestore", "effect-durable-first", cancellationToken: Ct));
        Assert.Equal(1, await dapr.GetStateAsync<int>("statestore", "effect-durable-second", cancellationToken: Ct));
    }

    [Fact]
    public async Task A_redis_that_goes_away_mid_workflow_costs_no_acknowledged_step_once_it_is_back()
    {
        await using var server = await RedisServer.StartAsync(redis.RequireBinary());
        await using var harness = Harness.Create(backend: Backend.Redis(server));
        await using var wf = new WorkflowNode(await harness.AddAsync("outage", withApp: false));
        await wf.StartAppAsync();
        var fanOut = $"outage-fan-{Guid.NewGuid():N}";

        await wf.Client.ScheduleNewWorkflowAsync(nameof(EventWorkflow), "outage-event", 0);
        await wf.Client.ScheduleNewWorkflowAsync(nameof(FanOutWorkflow), fanOut, new FanOut(3, 1500));
        await Eventually.UntilAsync(() => SlowActivity.ByInstance.TryGetValue(fanOut, out var c) && c.Started == 3, "three activities started", TimeSpan.FromSeconds(30), Ct);

        // Redis dies while the three activities run: their results cannot be stored, and a raised event is refused.
        await server.StopAsync(kill: true);
        await Assert.ThrowsAnyAsync<Exception>(() => wf.Client.RaiseEventAsync("outage-event", "go", "lost", Ct));
        // A result that could not be stored sends its activity round again: wait until one has.
        await Eventually.UntilAsync(() => SlowActivity.ByInstance[fanOut].Started >= 4, "an activity started again", TimeSpan.FromSeconds(30), Ct);
        await server.StartAsync();

        await wf.Client.RaiseEventAsync("outage-event", "go", "after", Ct);
        var raised = await wf.Client.WaitForWorkflowCompletionAsync("outage-event", cancellation: Ct).WaitAsync(TimeSpan.FromSeconds(60), Ct);
        Dapr.Workflow.WorkflowState fanned;
        try
        {
            fanned = await wf.Client.WaitForWorkflowCompletionAsync(fanOut, cancellation: Ct).WaitAsync(TimeSpan.FromSeconds(60), Ct);
        }
        catch (TimeoutException)
        {
            var state = await wf.Client.GetWorkflowStateAsync(fanOut, true, Ct);
            throw new TimeoutException($"{fanOut} is {state.RuntimeStatus} after {SlowActivity.ByInstance[fanOut].Started} runs; the runtime logged:\n" +
                string.Join('\n', harness.Logs.Entries.Where(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Information).Select(e => $"{e.Level}: {e.Message}")));
        }

        Assert.Equal("after", raised.ReadOutputAs<string>());
        Assert.Equal(4500, fanned.ReadOutputAs<int>());
    }

    private async Task<LocalDapr.Runner.RunnerProcess> StartRunnerAsync(string runFile)
    {
        var runner = LocalDapr.Runner.RunnerProcess.Start(Path.Combine(Bin, "local-dapr.dll"), ["run", "-f", runFile],
            new Dictionary<string, string?> { ["DAPR_API_TOKEN"] = ApiToken, ["APP_API_TOKEN"] = null }, workingDirectory: _dir);
        await runner.WaitForLineAsync(l => l.Contains("you're up and running", StringComparison.Ordinal), TimeSpan.FromSeconds(60), Ct);
        return runner;
    }

    private static Task<WorkflowState> StateWhenAsync(TaskHubSidecarService.TaskHubSidecarServiceClient client, string id, Func<WorkflowState, bool> done, TimeSpan timeout) =>
        Eventually.MatchesAsync(async () => (await client.GetInstanceAsync(new GetInstanceRequest { InstanceId = id, GetInputsAndOutputs = true }, cancellationToken: Ct)).WorkflowState, done, timeout, Ct, $"workflow {id}");
}
