using System.Globalization;
using System.Text;
using LocalDapr.Runner;

namespace LocalDapr.Tests;

/// <summary>The runner as users run it: a separate process reading a run file, starting real app processes.</summary>
public sealed class RunnerTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static string Bin => AppContext.BaseDirectory;
    private static string App => Path.Combine(Bin, "ConformanceApp.dll");

    private readonly string _dir = Directory.CreateTempSubdirectory("local-dapr-runner-").FullName;
    private readonly int _bystanderHttp = Sidecar.Sidecar.FreePort();

    /// <summary>The API token the tests choose for the sidecars they call.</summary>
    private const string Token = "runner-tests-token";

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

        using var http = TokenClient();
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
    public async Task A_killed_app_is_reported_and_restarted_with_growing_back_off_while_the_others_keep_running()
    {
        var runFile = WriteRunFile(TwoApps($"[\"dotnet\", \"{App}\"]"));
        await using var runner = RunnerProcess.Start("run", "-f", runFile);
        await runner.WaitForLineAsync(l => l.Contains("you're up and running", StringComparison.Ordinal), TimeSpan.FromSeconds(60), Ct);
        var bystander = runner.AppPidOf("bystander")!.Value;

        var first = runner.AppPidOf("victim")!.Value;
        ProcessTree.Signal(first, ProcessTree.SigKill);
        await runner.WaitForLineAsync(l => l.Contains($"app \"victim\" (pid {first}) exited with code 137 at ", StringComparison.Ordinal)
            && l.Contains("the other apps keep running; restarting it in 1 s (restart 1)", StringComparison.Ordinal), TimeSpan.FromSeconds(30), Ct);
        await runner.WaitForLineAsync(l => l.Contains("app \"victim\" is back (app pid ", StringComparison.Ordinal) && l.Contains("(restart 1)", StringComparison.Ordinal), TimeSpan.FromSeconds(60), Ct);
        var second = runner.AppPidOf("victim")!.Value;
        Assert.NotEqual(first, second);
        await AssertAnswersAsync(runner, "victim");

        ProcessTree.Signal(second, ProcessTree.SigKill);
        await runner.WaitForLineAsync(l => l.Contains($"app \"victim\" (pid {second}) exited with code 137 at ", StringComparison.Ordinal)
            && l.Contains("restarting it in 2 s (restart 2)", StringComparison.Ordinal), TimeSpan.FromSeconds(30), Ct);
        await runner.WaitForLineAsync(l => l.Contains("app \"victim\" is back (app pid ", StringComparison.Ordinal) && l.Contains("(restart 2)", StringComparison.Ordinal), TimeSpan.FromSeconds(60), Ct);
        await AssertAnswersAsync(runner, "victim");

        Assert.True(ProcessTree.IsAlive(bystander), "the other app was stopped");
        Assert.Equal(bystander, runner.AppPidOf("bystander"));
        Assert.False(runner.Exited.IsCompleted);
        Assert.DoesNotContain(runner.Lines, l => l.Contains("stopping apps", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_app_under_a_launcher_is_watched_not_the_launcher()
    {
        var runFile = WriteRunFile(TwoApps($"[\"sh\", \"-c\", \"dotnet {App}; exit $?\"]"));
        await using var runner = RunnerProcess.Start("run", "-f", runFile);
        await runner.WaitForLineAsync(l => l.Contains("you're up and running", StringComparison.Ordinal), TimeSpan.FromSeconds(60), Ct);
        var launcher = runner.PidOf("victim");
        var app = runner.AppPidOf("victim")!.Value;
        Assert.NotEqual(launcher, app);
        Assert.Contains("ConformanceApp.dll", ProcessTree.CommandLine(app));

        // The launcher dies, the app lives on: nothing to report, the app still answers.
        ProcessTree.Signal(launcher, ProcessTree.SigKill);
        await AssertAnswersAsync(runner, "victim");
        Assert.True(ProcessTree.IsAlive(app));
        Assert.DoesNotContain(runner.Lines, l => l.Contains("\"victim\" (pid", StringComparison.Ordinal) && l.Contains("exited", StringComparison.Ordinal));

        // The app dies: that is reported, and it is started again.
        ProcessTree.Signal(app, ProcessTree.SigKill);
        await runner.WaitForLineAsync(l => l.Contains($"app \"victim\" (pid {app}) exited with code 137 at ", StringComparison.Ordinal), TimeSpan.FromSeconds(30), Ct);
        await runner.WaitForLineAsync(l => l.Contains("app \"victim\" is back (app pid ", StringComparison.Ordinal), TimeSpan.FromSeconds(60), Ct);
        await AssertAnswersAsync(runner, "victim");
    }

    [Fact]
    public async Task With_restarts_off_a_dead_app_is_reported_and_the_others_keep_running()
    {
        var runFile = WriteRunFile(TwoApps($"[\"dotnet\", \"{App}\"]"));
        await using var runner = RunnerProcess.Start("run", "-f", runFile, "--no-app-restart");
        await runner.WaitForLineAsync(l => l.Contains("you're up and running", StringComparison.Ordinal), TimeSpan.FromSeconds(60), Ct);
        var victim = runner.AppPidOf("victim")!.Value;

        ProcessTree.Signal(victim, ProcessTree.SigKill);

        await runner.WaitForLineAsync(l => l.Contains($"app \"victim\" (pid {victim}) exited with code 137 at ", StringComparison.Ordinal)
            && l.Contains("it is not restarted (restarts are off); the other apps keep running", StringComparison.Ordinal), TimeSpan.FromSeconds(30), Ct);
        await AssertAnswersAsync(runner, "bystander");
        Assert.False(runner.Exited.IsCompleted);
        Assert.DoesNotContain(runner.Lines, l => l.Contains("restarted app", StringComparison.Ordinal));

        runner.Signal(ProcessTree.SigTerm);
        Assert.Equal(0, await runner.Exited.WaitAsync(TimeSpan.FromSeconds(30), Ct));
    }

    /// <summary>victim and bystander, the victim run by <paramref name="victimCommand"/>, the bystander's sidecar on <see cref="_bystanderHttp"/>.</summary>
    private string TwoApps(string victimCommand) => $"""
        version: 1
        common:
          resourcesPath: ./components
        apps:
          - appID: victim
            appDirPath: .
            appPort: {Sidecar.Sidecar.FreePort()}
            command: {victimCommand}
          - appID: bystander
            appDirPath: .
            appPort: {Sidecar.Sidecar.FreePort()}
            daprHTTPPort: {_bystanderHttp}
            command: ["dotnet", "{App}"]
        """;

    /// <summary>The app answers an invocation through the bystander's sidecar.</summary>
    private async Task AssertAnswersAsync(LocalDapr.Runner.RunnerProcess runner, string appId)
    {
        using var http = TokenClient();
        using var response = await http.GetAsync($"http://127.0.0.1:{_bystanderHttp}/v1.0/invoke/{appId}/method/echo/alive", Ct);
        Assert.True(response.IsSuccessStatusCode, $"{appId} did not answer: {(int)response.StatusCode}\n{string.Join('\n', runner.Lines)}");
    }

    [Fact]
    public async Task Without_tokens_the_runner_makes_one_of_each_per_app_for_the_run_and_the_sidecars_refuse_calls_without_them()
    {
        var runFile = WriteRunFile(TwoApps($"[\"dotnet\", \"{App}\"]"));
        await using var runner = RunnerProcess.StartWithoutTokens("run", "-f", runFile);
        await runner.WaitForLineAsync(l => l.Contains("you're up and running", StringComparison.Ordinal), TimeSpan.FromSeconds(60), Ct);
        Assert.Contains(runner.Lines, l => l.Contains("API tokens made for this run (DAPR_API_TOKEN, APP_API_TOKEN) for victim, bystander", StringComparison.Ordinal));

        var victim = Environment(runner.AppPidOf("victim")!.Value);
        var bystander = Environment(runner.AppPidOf("bystander")!.Value);
        string[] tokens = [victim["DAPR_API_TOKEN"], victim["APP_API_TOKEN"], bystander["DAPR_API_TOKEN"], bystander["APP_API_TOKEN"]];
        Assert.All(tokens, t => Assert.Matches("^[0-9a-f]{64}$", t));
        Assert.Equal(4, tokens.Distinct().Count());

        using var http = new HttpClient();
        var sidecar = $"http://127.0.0.1:{_bystanderHttp}";
        using var without = await http.GetAsync($"{sidecar}/v1.0/metadata", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        using var othersToken = new HttpRequestMessage(HttpMethod.Get, $"{sidecar}/v1.0/metadata") { Headers = { { "dapr-api-token", victim["DAPR_API_TOKEN"] } } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(othersToken, Ct)).StatusCode);
        using var own = new HttpRequestMessage(HttpMethod.Get, $"{sidecar}/v1.0/metadata") { Headers = { { "dapr-api-token", bystander["DAPR_API_TOKEN"] } } };
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(own, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await http.GetAsync($"{sidecar}/v1.0/healthz", Ct)).StatusCode);
    }

    /// <summary>A client sending <see cref="Token"/>, the API token the runner was given.</summary>
    private static HttpClient TokenClient()
    {
        var client = Http.Client();
        client.DefaultRequestHeaders.Add("dapr-api-token", Token);
        return client;
    }

    /// <summary>A process's environment, read from /proc.</summary>
    private static Dictionary<string, string> Environment(int pid) =>
        File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Split('=', 2)).Where(kv => kv.Length == 2).ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);

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

        using var client = TokenClient();
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

    /// <summary>
    /// The runner as a user starts it who wants to call the sidecars: <c>DAPR_API_TOKEN</c> set to <see cref="Token"/>
    /// (what <see cref="Http.Client"/> sends); <see cref="StartWithoutTokens"/>: nothing set, as the README's command.
    /// </summary>
    private static class RunnerProcess
    {
        public static LocalDapr.Runner.RunnerProcess Start(params string[] args) =>
            LocalDapr.Runner.RunnerProcess.Start(Path.Combine(Bin, "local-dapr.dll"), args, new Dictionary<string, string?> { ["DAPR_API_TOKEN"] = Token, ["APP_API_TOKEN"] = null });

        public static LocalDapr.Runner.RunnerProcess StartWithoutTokens(params string[] args) =>
            LocalDapr.Runner.RunnerProcess.Start(Path.Combine(Bin, "local-dapr.dll"), args, new Dictionary<string, string?> { ["DAPR_API_TOKEN"] = null, ["APP_API_TOKEN"] = null });
    }
}
