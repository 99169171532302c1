using Dapr.DurableTask.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using LocalDapr.Runner;

namespace Bench;

/// <summary>
/// Workflows as a user runs them: the runtime under the runner (one process), the workflow app on the unmodified
/// Dapr.Workflow SDK as its child process (tests/TestApps/WorkflowApp), and this process as the client, starting
/// instances and waiting for them over the sidecar's gRPC port (TaskHubSidecarService, as DaprWorkflowClient does).
/// </summary>
public static class WorkflowBench
{
    public const string Header = "| Scenario | Workflows | Completed/s | p50 ms | p90 ms | p99 ms | Runtime CPU ms/workflow | App CPU ms/workflow |\n|---|---:|---:|---:|---:|---:|---:|---:|";

    public static async Task<string> RunAsync(string backend, int workflows, int[] concurrencies, int timers, TextWriter log)
    {
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"## Backend: {(backend == "redis" ? "Redis (`state.redis`, append-only file fsynced every second)" : "in-memory (`state.in-memory`)")}").AppendLine();
        var dir = Directory.CreateTempSubdirectory("bench-workflows-").FullName;
        Process? redis = null;
        try
        {
            var state = "type: state.in-memory\n  version: v1\n  metadata: [{ name: actorStateStore, value: \"true\" }]";
            if (backend == "redis")
            {
                if (!File.Exists("/usr/bin/redis-server"))
                {
                    report.AppendLine("Not measured: no `redis-server` on this machine.").AppendLine();
                    return report.ToString();
                }
                var port = Sidecar.FreePort();
                var data = Directory.CreateDirectory(Path.Combine(dir, "redis")).FullName;
                redis = Process.Start(new ProcessStartInfo("/usr/bin/redis-server", ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--dir", data])
                { RedirectStandardOutput = true, UseShellExecute = false })!;
                state = $"type: state.redis\n  version: v1\n  metadata: [{{ name: actorStateStore, value: \"true\" }}, {{ name: redisHost, value: \"127.0.0.1:{port}\" }}]";
            }
            var components = Directory.CreateDirectory(Path.Combine(dir, "components")).FullName;
            await File.WriteAllTextAsync(Path.Combine(components, "state.yaml"), $"apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: {{ name: statestore }}\nspec:\n  {state}\n");
            int http = Sidecar.FreePort(), grpc = Sidecar.FreePort();
            await using var runner = RunnerProcess.Start(Path.Combine(AppContext.BaseDirectory, "local-dapr.dll"),
                ["run", "--app-id", "wfbench", "--dapr-http-port", http.ToString(CultureInfo.InvariantCulture), "--dapr-grpc-port", grpc.ToString(CultureInfo.InvariantCulture),
                 "--resources-path", components, "--log-level", "warn", "--", "dotnet", Path.Combine(AppContext.BaseDirectory, "WorkflowApp.dll")],
                new Dictionary<string, string?> { ["DAPR_API_TOKEN"] = null, ["APP_API_TOKEN"] = null });
            await runner.WaitForLineAsync(l => l.Contains("you're up and running", StringComparison.Ordinal), TimeSpan.FromSeconds(120));
            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpc.ToString(CultureInfo.InvariantCulture)}",
                new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true } });
            var client = new TaskHubSidecarService.TaskHubSidecarServiceClient(channel);
            var prefix = $"{backend}-{Guid.NewGuid():N}"[..16];
            var pids = (Runtime: runner.Id, App: runner.PidOf("wfbench"));

            if (timers > 0)
            {
                log.WriteLine($"workflows on {backend}: {timers} one-minute timers");
                var (runtimePid, appPid) = pids;
                long before = Rss(runtimePid), appBefore = Rss(appPid);
                var started = Stopwatch.StartNew();
                await ForEachAsync(timers, 200, i => client.StartInstanceAsync(new CreateInstanceRequest { InstanceId = $"{prefix}-t{i}", Name = "TimerWorkflow", Input = "60" }).ResponseAsync);
                var startSeconds = started.Elapsed.TotalSeconds;
                var waiting = await client.GetInstanceAsync(new GetInstanceRequest { InstanceId = $"{prefix}-t{timers - 1}" });
                long during = Rss(runtimePid), appDuring = Rss(appPid);
                log.WriteLine($"  {timers} started in {startSeconds:0.0} s; runtime RSS {during / 1048576.0:0} MiB");
                // How late each timer fired, from the instance's own timestamps: completed minus created minus the minute.
                var late = new double[timers];
                await ForEachAsync(timers, 200, async i =>
                {
                    var done = await client.WaitForInstanceCompletionAsync(new GetInstanceRequest { InstanceId = $"{prefix}-t{i}" }, deadline: DateTime.UtcNow.AddSeconds(240));
                    if (done.WorkflowState.WorkflowStatus != OrchestrationStatus.Completed) throw new InvalidOperationException($"timer workflow {i} ended {done.WorkflowState.WorkflowStatus}");
                    late[i] = (done.WorkflowState.CompletedTimestamp.ToDateTimeOffset() - done.WorkflowState.CreatedTimestamp.ToDateTimeOffset()).TotalSeconds - 60;
                });
                Array.Sort(late);
                long after = Rss(runtimePid);
                report.AppendLine(CultureInfo.InvariantCulture, $"**{timers:N0} instances waiting on a one-minute timer at once:** started in {startSeconds:0.0} s (the last reads {waiting.WorkflowState.WorkflowStatus}); " +
                    $"runtime process resident memory {before / 1048576.0:0} MiB freshly started, **{during / 1048576.0:0} MiB with all {timers:N0} waiting**, {after / 1048576.0:0} MiB after all fired " +
                    $"(the workflow app: {appBefore / 1048576.0:0} → {appDuring / 1048576.0:0} MiB). All fired and completed; from creation to completion took the minute plus {late[timers / 2]:0.00} s at the median and plus {late[^1]:0.00} s at most (the start's first turn included).");
                report.AppendLine();
            }

            log.WriteLine($"workflows on {backend}: warming up");
            await ChainsAsync(client, pids, $"{prefix}-warm", Math.Min(workflows, 500), 20, "warm-up");

            log.WriteLine($"workflows on {backend}: unloaded latency");
            var unloaded = await ChainsAsync(client, pids, $"{prefix}-one", 300, 1, "Five-activity chain, one at a time (unloaded)");
            report.AppendLine(Header);
            report.AppendLine(unloaded.Row());
            foreach (var concurrency in concurrencies)
            {
                log.WriteLine($"workflows on {backend}: {workflows} chains, {concurrency} in flight");
                report.AppendLine((await ChainsAsync(client, pids, $"{prefix}-c{concurrency}", workflows, concurrency, $"Five-activity chain, {concurrency} instances in flight")).Row());
            }
            report.AppendLine();
        }
        finally
        {
            if (redis is not null)
            {
                redis.Kill();
                await redis.WaitForExitAsync();
                redis.Dispose();
            }
            try
            {
                Directory.Delete(dir, true);
            }
            catch (IOException)
            {
            }
        }
        return report.ToString();
    }

    /// <summary><paramref name="count"/> chains, <paramref name="concurrency"/> in flight (closed loop), each timed from start to completion.</summary>
    private static async Task<Result> ChainsAsync(TaskHubSidecarService.TaskHubSidecarServiceClient client, (int Runtime, int App) pids, string prefix, int count, int concurrency, string name)
    {
        var sample = new Sample(name);
        TimeSpan runtimeCpu = PassageBench.CpuOf(pids.Runtime), appCpu = PassageBench.CpuOf(pids.App);
        var clock = Stopwatch.StartNew();
        await ForEachAsync(count, concurrency, async i =>
        {
            var id = $"{prefix}-{i}";
            var begin = Stopwatch.GetTimestamp();
            await client.StartInstanceAsync(new CreateInstanceRequest { InstanceId = id, Name = "ChainWorkflow", Input = "0" });
            var done = await client.WaitForInstanceCompletionAsync(new GetInstanceRequest { InstanceId = id, GetInputsAndOutputs = true }, deadline: DateTime.UtcNow.AddSeconds(120));
            if (done.WorkflowState.Output != "5") throw new InvalidOperationException($"chain {id} ended {done.WorkflowState.WorkflowStatus} with {done.WorkflowState.Output}");
            sample.Record(begin, Stopwatch.GetTimestamp());
        });
        return new Result(sample, count, clock.Elapsed, PassageBench.CpuOf(pids.Runtime) - runtimeCpu, PassageBench.CpuOf(pids.App) - appCpu);
    }

    /// <summary>Runs <paramref name="body"/> for 0..count-1 with at most <paramref name="concurrency"/> at once.</summary>
    private static Task ForEachAsync(int count, int concurrency, Func<int, Task> body) =>
        Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, _) => await body(i));

    /// <summary>Resident memory of a process (VmRSS), in bytes.</summary>
    private static long Rss(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        return 0;
    }

    private sealed record Result(Sample Sample, int Count, TimeSpan Elapsed, TimeSpan RuntimeCpu, TimeSpan AppCpu)
    {
        public string Row() => string.Create(CultureInfo.InvariantCulture,
            $"| {Sample.Name} | {Count:N0} | {Count / Elapsed.TotalSeconds:N0} | {Sample.PercentileMs(50):0.0} | {Sample.PercentileMs(90):0.0} | {Sample.PercentileMs(99):0.0} | {RuntimeCpu.TotalMilliseconds / Count:0.00} | {AppCpu.TotalMilliseconds / Count:0.00} |");
    }
}
