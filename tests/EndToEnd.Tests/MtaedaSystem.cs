using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Dapr.Client;
using Grpc.Core;
using LocalDapr.Runner;
using LocalDapr.Sidecar;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Ridership.V1;
using Mtaeda.Contracts.Stations.V1;
using Mtaeda.Testing;
using EquipmentClient = Mtaeda.Contracts.Equipment.V1.Equipment.EquipmentClient;
using RidershipClient = Mtaeda.Contracts.Ridership.V1.Ridership.RidershipClient;
using StationsClient = Mtaeda.Contracts.Stations.V1.Stations.StationsClient;
using SchedulingClient = Mtaeda.Contracts.Scheduling.V1.Scheduling.SchedulingClient;
using MaintenanceClient = Mtaeda.Contracts.Maintenance.V1.Maintenance.MaintenanceClient;
using PassengersClient = Mtaeda.Contracts.Passengers.V1.Passengers.PassengersClient;

namespace Mtaeda.EndToEnd.Tests;

/// <summary>
/// The whole system as a user runs it: the local runtime's runner on a run file with stations, equipment, gateway,
/// ridership, scheduling, maintenance, notifications and passengers, each a real process beside its sidecar, on the in-memory set with the shared resources (or, for
/// <see cref="MtaedaRedisSystem"/>, on the Redis set beside a <c>redis-server</c> of its own). A sidecar-only
/// app, <c>simulator</c>, gives the device simulator (run by the tests) its own sidecar for provisioning.
/// </summary>
public class MtaedaSystem : IAsyncLifetime
{
    /// <summary>The services, and the sidecar-only simulator app.</summary>
    public static readonly string[] Services = ["stations", "equipment", "gateway", "ridership", "scheduling", "maintenance", "notifications", "passengers", "simulator"];

    /// <summary>The services a test can hold down (<see cref="Hold"/>) after killing them.</summary>
    private static readonly string[] Holdable = ["equipment", "scheduling"];

    /// <summary>
    /// The deadlines of LOW maintenance requests (a worn turnstile at a quiet station) in this system, short so that the
    /// tests see escalations through the real runtime; the other priorities keep their defaults.
    /// </summary>
    public static readonly (TimeSpan AssignWithin, TimeSpan CompleteWithin) LowDeadlines = (TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8));
    private readonly Dictionary<string, (int App, int Http, int Grpc)> _ports;
    private readonly string _dir = Directory.CreateTempSubdirectory("mtaeda-e2e-").FullName;
    private readonly bool _redis;
    private Process? _redisServer;
    private RunnerProcess? _runner;
    private TestIssuer? _issuer;

    public MtaedaSystem()
        : this(redis: false)
    {
    }

    protected MtaedaSystem(bool redis)
        : this(redis, [])
    {
    }

    /// <summary>The system with more apps (under services/, or dashboard-ui for the dashboard, which serves HTTP/1.1).</summary>
    /// <param name="redis">Whether on the Redis components.</param>
    /// <param name="moreApps">The apps beside <see cref="Services"/>.</param>
    protected MtaedaSystem(bool redis, IReadOnlyList<string> moreApps)
    {
        _redis = redis;
        Apps = [.. Services, .. moreApps];
        _ports = Apps.ToDictionary(s => s, _ => (Sidecar.FreePort(), Sidecar.FreePort(), Sidecar.FreePort()));
    }

    /// <summary>Every app of this system.</summary>
    public IReadOnlyList<string> Apps { get; }

    public static string Root => Repository.Root;

    private static string Configuration => AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    public int DevicePort { get; } = Sidecar.FreePort();

    public string CertsDir => Path.Combine(_dir, "certs");

    public RunnerProcess Runner => _runner ?? throw new InvalidOperationException("not started");

    public EquipmentClient Equipment => new(Invoker("equipment"));

    public StationsClient Stations => new(Invoker("stations"));

    public RidershipClient Ridership => new(Invoker("ridership"));

    public SchedulingClient Scheduling => new(Invoker("scheduling"));

    /// <summary>The issuer of the notifications hub's tokens in this run (the dashboard's development issuer in a user's run).</summary>
    public TestIssuer HubIssuer => _issuer ?? throw new InvalidOperationException("not started");

    /// <summary>The notifications hub's port (<c>NOTIFICATIONS_HUB_PORT</c>).</summary>
    public int HubPort { get; } = Sidecar.FreePort();

    public MaintenanceClient Maintenance => new(Invoker("maintenance"));

    public PassengersClient Passengers => new(Invoker("passengers"));

    public string SidecarHttp(string appId) => $"http://127.0.0.1:{_ports[appId].Http}";

    public string SidecarGrpc(string appId) => $"http://127.0.0.1:{_ports[appId].Grpc}";

    /// <summary>The port <paramref name="appId"/>'s service listens on for its sidecar.</summary>
    public int AppPort(string appId) => _ports[appId].App;

    /// <summary>The sidecars' API token for this run (<c>DAPR_API_TOKEN</c> given to the runner, as a user sets it to call a sidecar).</summary>
    public string ApiToken { get; } = System.Security.Cryptography.RandomNumberGenerator.GetHexString(64, lowercase: true);

    /// <summary>A gRPC call path to <paramref name="appId"/> through the sidecar of <paramref name="via"/> (the simulator's by default; proxying by dapr-app-id).</summary>
    public CallInvoker Invoker(string appId, string via = "simulator") => DaprClient.CreateInvocationInvoker(appId, $"http://127.0.0.1:{_ports[via].Grpc}", ApiToken);

    public async ValueTask InitializeAsync()
    {
        _issuer = await TestIssuer.StartAsync(CancellationToken.None);
        if (_redis)
        {
            // The Redis set as the repository ships it (docs/adr/0008-component-sets.md), its endpoint given to the runtime in
            // MTAEDA_REDIS_HOST (envRef), pointed at a redis-server of this system's own.
            var port = Sidecar.FreePort();
            RedisEndpoint = $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
            var data = Directory.CreateDirectory(Path.Combine(_dir, "redis")).FullName;
            _redisServer = Process.Start(new ProcessStartInfo("redis-server", ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--dir", data])
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
            })!;
            _redisServer.BeginOutputReadLine();
        }
        // The shared resources as the repository ships them, but for the secret store, which reads a secrets file of this
        // run (the repository's points at .dapr/secrets.json under the sidecar's working directory, the app's folder).
        var common = Directory.CreateDirectory(Path.Combine(_dir, "components", "common")).FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(Root, "components", "common"), "*.yaml")) File.Copy(file, Path.Combine(common, Path.GetFileName(file)));
        var secrets = Path.Combine(_dir, "secrets.json");
        await File.WriteAllTextAsync(secrets, "{}");
        var store = Path.Combine(common, "secretstore.yaml");
        await File.WriteAllTextAsync(store, (await File.ReadAllTextAsync(store)).Replace(".dapr/secrets.json", secrets, StringComparison.Ordinal));
        await RunFile().WriteAsync(RunFilePath);
        await StartRunnerAsync();
    }

    private string RunFilePath => Path.Combine(_dir, "dapr.yaml");

    /// <summary>The system's own <c>redis-server</c> (host:port), on the Redis components; null on the embedded default.</summary>
    public string? RedisEndpoint { get; private set; }

    private async Task StartRunnerAsync()
    {
        var environment = new Dictionary<string, string?> { ["DAPR_API_TOKEN"] = ApiToken, ["APP_API_TOKEN"] = null, ["MTAEDA_REDIS_HOST"] = RedisEndpoint };
        foreach (var (name, value) in RunnerEnvironment()) environment[name] = value;
        _runner = RunnerProcess.Start(Path.Combine(AppContext.BaseDirectory, "local-dapr.dll"), ["run", "-f", RunFilePath, "--app-startup-timeout", "180"], environment);
        await _runner.WaitForLineAsync(l => l.Contains("you're up and running", StringComparison.Ordinal), TimeSpan.FromSeconds(240));
    }

    /// <summary>
    /// Stops the runner as a user does (SIGTERM: every app shuts down and flushes what it exports, every sidecar stops);
    /// what the components hold (the Redis server) stays until the system is disposed.
    /// </summary>
    public async Task StopRunnerAsync()
    {
        await Runner.DisposeAsync();
        _runner = null;
    }

    /// <summary>
    /// The whole runtime killed outright (SIGKILL to the runner, its sidecars, and every app it runs: nothing shuts down),
    /// then started again on the same run file, ports and components, as after a machine's crash. On the Redis backend
    /// the state, the streams and the workflows' histories are what remains.
    /// </summary>
    public async Task KillAndRestartRuntimeAsync()
    {
        var runner = Runner;
        var tree = ProcessTree.Descendants(runner.Id);
        ProcessTree.Signal(runner.Id, ProcessTree.SigKill); // first, so that it restarts none of its apps
        foreach (var pid in tree) ProcessTree.Signal(pid, ProcessTree.SigKill);
        await runner.Exited.WaitAsync(TimeSpan.FromSeconds(30));
        await Eventually.UntilAsync(() => tree.All(pid => !ProcessTree.IsAlive(pid)), "the runtime's processes to end", TimeSpan.FromSeconds(30));
        await runner.DisposeAsync();
        await StartRunnerAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_runner is not null) await _runner.DisposeAsync();
        if (_issuer is not null) await _issuer.DisposeAsync();
        if (_redisServer is not null)
        {
            _redisServer.Kill();
            await _redisServer.WaitForExitAsync();
            _redisServer.Dispose();
        }
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// Equipment's service process. Killed, it is started again by the runner (as every crashed app is), unless held
    /// down with <see cref="HoldEquipment"/>. Its sidecar and the components stay up meanwhile, as they would beside a
    /// pod whose container restarts.
    /// </summary>
    public int EquipmentPid() => RunningPid("equipment") ?? throw new InvalidOperationException("equipment's process is not running");

    /// <summary>Equipment's service process, or null while none is running.</summary>
    public int? RunningEquipmentPid() => RunningPid("equipment");

    /// <summary>The process of <paramref name="appId"/> the runner watches, while it runs its service (not while held).</summary>
    public int? RunningPid(string appId) => Runner.AppPidOf(appId) is { } pid && ProcessTree.IsAlive(pid)
        && ProcessTree.CommandLine(pid).Contains($"Mtaeda.{char.ToUpperInvariant(appId[0])}{appId[1..]}.dll", StringComparison.Ordinal) ? pid : null;

    /// <summary>While held, equipment, started again by the runner after it ends, waits before it runs its service.</summary>
    public void HoldEquipment(bool hold) => Hold("equipment", hold);

    /// <summary>While held, <paramref name="appId"/> (one of equipment and scheduling), started again by the runner after it ends, waits before it runs its service.</summary>
    public void Hold(string appId, bool hold)
    {
        if (!Holdable.Contains(appId)) throw new ArgumentException($"{appId} cannot be held", nameof(appId));
        if (hold) File.WriteAllText(HoldFile(appId), "held by a test");
        else File.Delete(HoldFile(appId));
    }

    private string HoldFile(string appId) => Path.Combine(_dir, appId + ".hold");

    /// <summary>Runs the device simulator to completion and returns its final accounting (its last line, a JSON object).</summary>
    public async Task<SimulatorResult> SimulateAsync(IEnumerable<string> args, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(ServiceDll("tools/simulator", "mtaeda-simulator"));
        info.ArgumentList.Add("--gateway");
        info.ArgumentList.Add($"https://localhost:{DevicePort}");
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["DAPR_HTTP_PORT"] = _ports["simulator"].Http.ToString(CultureInfo.InvariantCulture);
        info.Environment["DAPR_GRPC_PORT"] = _ports["simulator"].Grpc.ToString(CultureInfo.InvariantCulture);
        info.Environment["GATEWAY_CERTS_DIR"] = CertsDir;
        info.Environment["DAPR_API_TOKEN"] = ApiToken;
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        var lines = new List<string>();
        while (await process.StandardOutput.ReadLineAsync(cancellationToken) is { } line) lines.Add(line);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0) throw new InvalidOperationException($"the simulator exited with {process.ExitCode}:\n{string.Join('\n', lines)}\n{await stderr}");
        using var json = JsonDocument.Parse(lines.Last(l => l.TrimStart().StartsWith('{')));
        long Value(string name) => json.RootElement.TryGetProperty(name, out var v) ? v.GetInt64() : 0;
        return new SimulatorResult(Value("ingress"), Value("egress"), Value("passages"), Value("rejected"), lines);
    }

    /// <summary>
    /// Devices send through the gateway while <paramref name="outage"/> runs (once their first passages are counted);
    /// afterwards ridership counts exactly what the simulator says it sent.
    /// </summary>
    public async Task<SimulatorResult> NoPassageLostAcrossAsync(int seed, int seconds, Func<Task> outage)
    {
        var before = await Ridership.GetNetworkTotalsAsync(new GetNetworkTotalsRequest(), cancellationToken: Ct);
        var simulation = SimulateAsync(["--provision", "--stations", "2", "--turnstiles-per-station", "3", "--duration", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "--rate", "300", "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture)], Ct);
        var first = Eventually.UntilAsync(async () => (await Ridership.GetNetworkTotalsAsync(new GetNetworkTotalsRequest(), cancellationToken: Ct)).Ingress > before.Ingress, "the first passages", TimeSpan.FromSeconds(60), Ct);
        if (await Task.WhenAny(first, simulation) == simulation && !first.IsCompleted)
        {
            var early = await simulation; // a failed simulation throws here, with its output
            throw new InvalidOperationException($"the simulation ended before ridership counted a passage:\n{string.Join('\n', early.Output)}");
        }
        await first;

        await outage();

        var sent = await simulation;
        var counted = await WaitForTotalsAsync(before, sent);
        Assert.Equal(sent.Ingress, counted.Ingress - before.Ingress);
        Assert.Equal(sent.Egress, counted.Egress - before.Egress);
        return sent;
    }

    public async Task<GetNetworkTotalsResponse> WaitForTotalsAsync(GetNetworkTotalsResponse before, SimulatorResult sent)
    {
        GetNetworkTotalsResponse now = before;
        await Eventually.UntilAsync(async () =>
        {
            now = await Ridership.GetNetworkTotalsAsync(new GetNetworkTotalsRequest(), cancellationToken: Ct);
            return now.Ingress - before.Ingress >= sent.Ingress && now.Egress - before.Egress >= sent.Egress;
        }, $"ridership to count {sent.Ingress} in and {sent.Egress} out", TimeSpan.FromSeconds(90), Ct);
        return now;
    }

    /// <summary>Registers a station on <paramref name="line"/> and installs <paramref name="turnstiles"/> there.</summary>
    public async Task ProvisionAsync(string stationId, string name, string line, long maxPassagesBeforeMaintenance, params string[] turnstiles)
    {
        await Stations.RegisterStationAsync(new Mtaeda.Contracts.Stations.V1.RegisterStationRequest
        {
            StationId = stationId, Name = name, LineIds = { line },
            Address = new Mtaeda.Contracts.Common.V1.StationAddress { StreetAddress = "1 Rail Road", City = "Metro", PostalCode = "00001" },
        }, cancellationToken: Ct);
        foreach (var id in turnstiles)
        {
            await Equipment.InstallTurnstileAsync(new Mtaeda.Contracts.Equipment.V1.InstallTurnstileRequest
            {
                TurnstileId = id, StationId = stationId, LineIds = { line }, MaxPassagesBeforeMaintenance = maxPassagesBeforeMaintenance,
                Model = new Mtaeda.Contracts.Common.V1.EquipmentInfo { SerialNumber = id, Name = "Gate", ModelNumber = "G-100", Manufacturer = "Acme" },
            }, cancellationToken: Ct);
        }
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private RunFileBuilder RunFile()
    {
        // The shared resources and one component set, composed as dapr.yaml and dapr.cli.yaml compose them.
        var file = new RunFileBuilder(Root, Configuration).Resources(Path.Combine(_dir, "components", "common"), Path.Combine(Root, "components", _redis ? "redis" : "memory"))
            .Env("ASPNETCORE_ENVIRONMENT", "Development")
            .Env("Maintenance__Deadlines__Low__AssignWithin", LowDeadlines.AssignWithin.ToString("c", CultureInfo.InvariantCulture))
            .Env("Maintenance__Deadlines__Low__CompleteWithin", LowDeadlines.CompleteWithin.ToString("c", CultureInfo.InvariantCulture))
            .Env("GATEWAY_DEVICE_PORT", DevicePort.ToString(CultureInfo.InvariantCulture))
            .Env("GATEWAY_CERTS_DIR", CertsDir)
            .Env("GATEWAY_JOURNAL_DIR", Path.Combine(_dir, "journal"))
            .Env("NOTIFICATIONS_HUB_PORT", HubPort.ToString(CultureInfo.InvariantCulture));
        var more = Environment().ToList();
        // The hub trusts this run's test issuer, unless the system says otherwise (the dashboard's development issuer).
        if (!more.Any(e => e.Name == "Hub__Authority")) file.Env("Hub__Authority", HubIssuer.Authority);
        foreach (var (name, value) in more) file.Env(name, value);
        foreach (var service in Apps)
        {
            // The simulator is a sidecar alone: the tests run the simulator beside it. The runner restarts a service when
            // it dies; a restart of a holdable one waits while a test holds it down, then becomes the service (exec).
            file.App(service, _ports[service], Holdable.Contains(service)
                ? dll => ["sh", "-c", $"while [ -e '{HoldFile(service)}' ]; do sleep 0.2; done; exec dotnet '{dll}'"]
                : null);
        }
        return file;
    }

    /// <summary>More environment for the runner itself (its sidecars read secrets of <c>secretstores.local.env</c> from it).</summary>
    /// <returns>Names and values.</returns>
    protected virtual IEnumerable<(string Name, string? Value)> RunnerEnvironment() => [];

    /// <summary>More environment for every app of the run file.</summary>
    /// <returns>Names and values.</returns>
    protected virtual IEnumerable<(string Name, string Value)> Environment() => [];

    private static string ServiceDll(string dir, string name) => Path.Combine(Root, dir, "bin", Configuration, "net10.0", name + ".dll");

}

public sealed record SimulatorResult(long Ingress, long Egress, long Passages, long Rejected, IReadOnlyList<string> Output);

[CollectionDefinition(nameof(MtaedaSystem))]
public sealed class MtaedaSystemCollection : ICollectionFixture<MtaedaSystem>;

/// <summary>The whole system on the Redis components (durable pub/sub and state), as <c>resourcesPaths: [./components/common, ./components/redis]</c> runs it.</summary>
public sealed class MtaedaRedisSystem() : MtaedaSystem(redis: true);

[CollectionDefinition(nameof(MtaedaRedisSystem))]
public sealed class MtaedaRedisSystemCollection : ICollectionFixture<MtaedaRedisSystem>;
