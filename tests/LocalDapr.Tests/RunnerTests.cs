using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using LocalDapr.Runner;

namespace LocalDapr.Tests;

/// <summary>The runner as users run it: a separate process reading a run file, starting real app processes.</summary>
public sealed class RunnerTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static string Bin => AppContext.BaseDirectory;
    private static string App => Path.Combine(Bin, "ConformanceApp.dll");

    private readonly string _dir = Directory.CreateTempSubdirectory("local-dapr-runner-").FullName;

    public RunnerTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "components"));
        File.WriteAllText(Path.Combine(_dir, "components", "components.yaml"), Harness.DefaultComponents);
    }

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
    public async Task Runs_every_app_of_the_run_file_and_leaves_no_process_behind_on_sigterm()
    {
        int p1 = Sidecar.Sidecar.FreePort(), p2 = Sidecar.Sidecar.FreePort(), h1 = Sidecar.Sidecar.FreePort(), g1 = Sidecar.Sidecar.FreePort();
        var runFile = WriteRunFile($"""
            version: 1
            common:
              resourcesPath: ./components
            apps:
              - appID: alpha
                appDirPath: .
                appPort: {p1}
                daprHTTPPort: {h1}
                daprGRPCPort: {g1}
                command: ["dotnet", "{App}"]
              - appID: beta
                appDirPath: .
                appPort: {p2}
                appProtocol: h2c
                command: ["sh", "-c", "dotnet {App}; echo the shell outlived its child"]
            """);
        await using var runner = RunnerProcess.Start("run", "-f", runFile);

        await runner.WaitForLineAsync(l => l.Contains("you're up and running", StringComparison.Ordinal), TimeSpan.FromSeconds(60), Ct);
        var pids = runner.StartedApps.Select(a => a.Pid).ToList();
        var tree = ProcessTree.Descendants(runner.Id).ToList();
        Assert.Equal(2, pids.Count);
        Assert.True(tree.Count >= 3, $"expected the apps and the shell's child under the runner, found {tree.Count}");

        using var http = Http.Client();
        using var echo = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{h1}/v1.0/invoke/beta/method/echo/hello", Ct));
        Assert.Equal("alpha", echo.RootElement.GetProperty("caller").GetString());
        using var save = await http.PostAsync($"http://127.0.0.1:{h1}/v1.0/state/statestore", new StringContent("""[{"key":"k","value":42}]""", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.NoContent, save.StatusCode);
        Assert.Equal("42", await http.GetStringAsync($"http://127.0.0.1:{h1}/v1.0/state/statestore/k", Ct));
        Assert.Contains(runner.Lines, l => l.StartsWith("== APP - alpha == conformance app listening", StringComparison.Ordinal));
        var appLog = Directory.GetFiles(Path.Combine(_dir, ".dapr", "logs"), "alpha_app_*.log").Single();
        Assert.Contains("conformance app listening", await ReadSharedAsync(appLog));
        Assert.Single(Directory.GetFiles(Path.Combine(_dir, ".dapr", "logs"), "alpha_daprd_*.log"));

        runner.Signal(ProcessTree.SigTerm);

        Assert.Equal(0, await runner.Exited.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        Assert.All(tree, pid => Assert.False(ProcessTree.IsAlive(pid), $"process {pid} outlived the runner"));
    }

    [Fact]
    public async Task An_app_that_exits_before_it_is_ready_fails_the_run()
    {
        var runFile = WriteRunFile($"""
            version: 1
            apps:
              - appID: broken
                appDirPath: .
                appPort: {Sidecar.Sidecar.FreePort()}
                resourcesPath: ./components
                command: ["dotnet", "{App}"]
                env:
                  CONFORMANCE_EXIT_CODE: "3"
            """);
        await using var runner = RunnerProcess.Start("run", "-f", runFile);

        Assert.Equal(1, await runner.Exited.WaitAsync(TimeSpan.FromSeconds(60), Ct));
        Assert.Contains(runner.Lines, l => l.Contains("app \"broken\" exited with code 3 before it was ready", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_app_that_never_answers_fails_the_run_after_the_startup_timeout_and_is_stopped()
    {
        var port = Sidecar.Sidecar.FreePort();
        var runFile = WriteRunFile($"""
            version: 1
            apps:
              - appID: silent
                appDirPath: .
                appPort: {port}
                command: ["sleep", "120"]
            """);
        await using var runner = RunnerProcess.Start("run", "-f", runFile, "--app-startup-timeout", "2");
        await runner.WaitForLineAsync(l => l.Contains("started app \"silent\"", StringComparison.Ordinal), TimeSpan.FromSeconds(60), Ct);
        var sleeper = ProcessTree.Descendants(runner.Id).ToList();

        Assert.Equal(1, await runner.Exited.WaitAsync(TimeSpan.FromSeconds(60), Ct));
        Assert.Contains(runner.Lines, l => l.Contains($"app \"silent\" did not answer on port {port} within 2 s", StringComparison.Ordinal));
        Assert.All(sleeper, pid => Assert.False(ProcessTree.IsAlive(pid)));
    }

    [Fact]
    public async Task An_app_that_dies_stops_the_others_and_fails_the_run()
    {
        var runFile = WriteRunFile($"""
            version: 1
            common:
              resourcesPath: ./components
            apps:
              - appID: victim
                appDirPath: .
                appPort: {Sidecar.Sidecar.FreePort()}
                command: ["dotnet", "{App}"]
              - appID: bystander
                appDirPath: .
                appPort: {Sidecar.Sidecar.FreePort()}
                command: ["dotnet", "{App}"]
            """);
        await using var runner = RunnerProcess.Start("run", "-f", runFile);
        await runner.WaitForLineAsync(l => l.Contains("you're up and running", StringComparison.Ordinal), TimeSpan.FromSeconds(60), Ct);
        var victim = runner.PidOf("victim");
        var tree = ProcessTree.Descendants(runner.Id).ToList();

        ProcessTree.Signal(victim, ProcessTree.SigKill);

        Assert.Equal(1, await runner.Exited.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        Assert.Contains(runner.Lines, l => l.Contains("app \"victim\" exited with code 137; stopping every app", StringComparison.Ordinal));
        Assert.All(tree, pid => Assert.False(ProcessTree.IsAlive(pid)));
    }

    [Fact]
    public async Task A_malformed_run_file_is_refused_with_its_file_and_line()
    {
        var runFile = WriteRunFile("""
            version: 1
            apps:
              - appID: nodir
                appPort: 5000
            """);
        await using var runner = RunnerProcess.Start("run", "-f", runFile);

        Assert.Equal(2, await runner.Exited.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        Assert.Contains(runner.Lines, l => l.Contains($"{runFile}:3: app has no 'appDirPath' (it is required)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_component_type_the_runtime_lacks_is_refused_at_start_up()
    {
        File.WriteAllText(Path.Combine(_dir, "components", "kafka.yaml"), """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: events
            spec:
              type: pubsub.kafka
              version: v1
            """);
        var runFile = WriteRunFile("""
            version: 1
            apps:
              - appID: kafkaesque
                appDirPath: .
                resourcesPath: ./components
            """);
        await using var runner = RunnerProcess.Start("run", "-f", runFile);

        Assert.Equal(1, await runner.Exited.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        var error = Assert.Single(runner.Lines, l => l.Contains("pubsub.kafka", StringComparison.Ordinal));
        Assert.Contains("kafka.yaml:", error);
        Assert.Contains("Dapr CLI", error);
    }

    [Fact]
    public async Task One_app_from_flags_with_its_command_after_the_double_dash()
    {
        int port = Sidecar.Sidecar.FreePort(), http = Sidecar.Sidecar.FreePort();
        await using var runner = RunnerProcess.Start("run", "--app-id", "solo", "--app-port", port.ToString(CultureInfo.InvariantCulture),
            "--dapr-http-port", http.ToString(CultureInfo.InvariantCulture), "--resources-path", Path.Combine(_dir, "components"), "--", "dotnet", App);
        await runner.WaitForLineAsync(l => l.Contains("you're up and running", StringComparison.Ordinal), TimeSpan.FromSeconds(60), Ct);

        using var client = Http.Client();
        using var metadata = JsonDocument.Parse(await client.GetStringAsync($"http://127.0.0.1:{http}/v1.0/metadata", Ct));
        Assert.Equal("solo", metadata.RootElement.GetProperty("id").GetString());
        Assert.Contains(runner.Lines, l => l.StartsWith("== APP - solo == ", StringComparison.Ordinal));

        runner.Signal(2);
        Assert.Equal(0, await runner.Exited.WaitAsync(TimeSpan.FromSeconds(30), Ct));
    }

    private string WriteRunFile(string text)
    {
        var path = Path.Combine(_dir, "dapr.yaml");
        File.WriteAllText(path, text);
        return path;
    }

    private static async Task<string> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(Ct);
    }

    /// <summary>The runner as a user starts it, without tokens from this environment.</summary>
    private static class RunnerProcess
    {
        public static LocalDapr.Runner.RunnerProcess Start(params string[] args) =>
            LocalDapr.Runner.RunnerProcess.Start(Path.Combine(Bin, "local-dapr.dll"), args, new Dictionary<string, string?> { ["DAPR_API_TOKEN"] = null, ["APP_API_TOKEN"] = null });
    }
}
