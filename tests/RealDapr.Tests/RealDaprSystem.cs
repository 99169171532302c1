using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using DotNet.Testcontainers.Networks;
using Grpc.Core;
using Mtaeda.Testing;
using Testcontainers.Kafka;
using Testcontainers.PostgreSql;
using Testcontainers.Redis;

namespace Mtaeda.RealDapr.Tests;

/// <summary>
/// MTAEDA on real daprd, as the Dapr CLI runs it from <c>dapr.cli.yaml</c>, on one Docker network: the broker and stores
/// (Redis; or Kafka and PostgreSQL), Dapr's placement and scheduler, one daprd container per app with the repository's
/// resources folders mounted (components/common and the broker's set), and the apps as processes on the host (the run
/// file's command in each app's folder), which their daprd calls through the host's gateway address. The tests call the
/// services through a daprd of their own (app id <see cref="CallerAppId"/>), by service invocation.
/// </summary>
public sealed class RealDaprSystem : IAsyncDisposable
{
    /// <summary>The apps the scenarios need.</summary>
    public static readonly string[] AppIds = ["stations", "equipment", "ridership", "maintenance", "scheduling"];

    /// <summary>The app id of the tests' own sidecar.</summary>
    public const string CallerAppId = "realdapr-tests";

    private readonly List<IAsyncDisposable> _owned = [];
    private readonly List<(string AppId, Process Process, ConcurrentQueue<string> Output)> _apps = [];
    private IContainer? _caller;

    private RealDaprSystem(RealDaprPlan plan) => Plan = plan;

    /// <summary>What runs.</summary>
    public RealDaprPlan Plan { get; }

    /// <summary>A gRPC call path to <paramref name="appId"/> through the tests' sidecar.</summary>
    /// <param name="appId">The app called.</param>
    /// <returns>The invoker.</returns>
    public CallInvoker Invoker(string appId) =>
        Dapr.Client.DaprClient.CreateInvocationInvoker(appId, $"http://127.0.0.1:{_caller!.GetMappedPublicPort(RealDaprPlan.SidecarGrpcPort)}");

    /// <summary>What the apps printed, for a failing test's message.</summary>
    /// <returns>The last lines of each app.</returns>
    public string AppOutput() => string.Join('\n', _apps.Select(a => $"--- {a.AppId}\n{string.Join('\n', a.Output.TakeLast(40))}"));

    /// <summary>Starts everything on <paramref name="broker"/>'s set.</summary>
    /// <param name="broker">The set.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running system.</returns>
    public static async Task<RealDaprSystem> StartAsync(Broker broker, CancellationToken cancellationToken)
    {
        var system = new RealDaprSystem(RealDaprPlan.Read(Repository.Root, "dapr.cli.yaml", broker, AppIds));
        try
        {
            await system.StartAsync(cancellationToken);
            return system;
        }
        catch
        {
            await system.DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        var network = new NetworkBuilder().WithName($"mtaeda-realdapr-{Guid.NewGuid():N}").Build();
        await network.CreateAsync(cancellationToken);
        _owned.Add(network);

        BrokerEndpoints endpoints;
        if (Plan.Broker == Broker.Redis)
        {
            await StartAsync(new RedisBuilder("redis:7.4").WithNetwork(network).WithNetworkAliases("redis").Build(), cancellationToken);
            endpoints = new BrokerEndpoints(Redis: "redis:6379");
        }
        else
        {
            // A listener for the containers' network, advertised under its alias (daprd reaches the broker as kafka:19092).
            await StartAsync(new KafkaBuilder("confluentinc/cp-kafka:7.5.12").WithNetwork(network).WithListener("kafka:19092").Build(), cancellationToken);
            await StartAsync(new PostgreSqlBuilder("postgres:17").WithNetwork(network).WithNetworkAliases("postgres")
                .WithDatabase("mtaeda").WithUsername("mtaeda").WithPassword("mtaeda").Build(), cancellationToken);
            endpoints = new BrokerEndpoints(KafkaBrokers: "kafka:19092", PostgresConnection: "host=postgres port=5432 user=mtaeda password=mtaeda dbname=mtaeda sslmode=disable");
        }

        await StartAsync(DaprContainer(network, "placement", "./placement", RealDaprPlan.PlacementArguments).Build(), cancellationToken);
        await StartAsync(DaprContainer(network, "scheduler", "./scheduler", RealDaprPlan.SchedulerArguments).Build(), cancellationToken);

        var sidecarEnv = Plan.SidecarEnvironment(endpoints, RandomNumberGenerator.GetHexString(64, lowercase: true));
        _caller = await StartAsync(Sidecar(network, CallerAppId, Plan.CallerArguments(CallerAppId), sidecarEnv).Build(), cancellationToken);

        foreach (var app in Plan.Apps)
        {
            var appPort = LocalDapr.Sidecar.Sidecar.FreePort();
            var sidecar = await StartAsync(Sidecar(network, app.AppId, Plan.DaprdArguments(app, appPort), sidecarEnv).Build(), cancellationToken);
            StartApp(app, Plan.AppEnvironment(app, appPort, sidecar.GetMappedPublicPort(RealDaprPlan.SidecarHttpPort), sidecar.GetMappedPublicPort(RealDaprPlan.SidecarGrpcPort)));
            // Healthy once the app answers its health check and the sidecar has loaded its components and subscriptions.
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{sidecar.GetMappedPublicPort(RealDaprPlan.SidecarHttpPort)}") };
            var healthy = Eventually.UntilAsync(async () =>
            {
                try
                {
                    using var answer = await http.GetAsync(new Uri("/v1.0/healthz", UriKind.Relative), cancellationToken);
                    return answer.StatusCode == HttpStatusCode.NoContent;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, $"{app.AppId} and its daprd to be healthy", TimeSpan.FromMinutes(2), cancellationToken);
            try
            {
                await healthy;
            }
            catch (TimeoutException e)
            {
                throw new TimeoutException($"{e.Message}\n{AppOutput()}", e);
            }
        }
    }

    private async Task<T> StartAsync<T>(T container, CancellationToken cancellationToken)
        where T : IContainer
    {
        _owned.Add(container);
        await container.StartAsync(cancellationToken);
        return container;
    }

    private static ContainerBuilder DaprContainer(INetwork network, string alias, string binary, IReadOnlyList<string> args) =>
        new ContainerBuilder(RealDaprPlan.DaprImage)
            .WithNetwork(network)
            .WithNetworkAliases(alias)
            .WithEntrypoint(binary)
            .WithCommand([.. args]);

    private ContainerBuilder Sidecar(INetwork network, string appId, IReadOnlyList<string> args, IReadOnlyDictionary<string, string> env)
    {
        var builder = DaprContainer(network, $"{appId}-dapr", "./daprd", args)
            .WithExtraHost(RealDaprPlan.HostAlias, "host-gateway")
            .WithPortBinding(RealDaprPlan.SidecarHttpPort, true)
            .WithPortBinding(RealDaprPlan.SidecarGrpcPort, true)
            .WithEnvironment(env.ToDictionary(kv => kv.Key, kv => kv.Value))
            // Up when its API answers; the app behind it is awaited after the app is started.
            .WithWaitStrategy(Wait.ForUnixContainer().UntilHttpRequestIsSucceeded(r => r.ForPort(RealDaprPlan.SidecarHttpPort).ForPath("/v1.0/healthz/outbound").ForStatusCode(HttpStatusCode.NoContent)));
        foreach (var folder in Plan.ResourceFolders)
            builder = builder.WithBindMount(Path.Combine(Repository.Root, folder), RealDaprPlan.MountPath(folder), AccessMode.ReadOnly);
        return builder;
    }

    private void StartApp(RunFileApp app, IReadOnlyDictionary<string, string> env)
    {
        var info = new ProcessStartInfo(app.Command[0])
        {
            WorkingDirectory = Path.Combine(Repository.Root, app.AppDirPath),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in app.Command.Skip(1)) info.ArgumentList.Add(arg);
        foreach (var (name, value) in env) info.Environment[name] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"{app.AppId} did not start");
        var output = new ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _apps.Add((app.AppId, process, output));
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (var (_, process, _) in _apps)
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
        }
        // Containers before the network they are on.
        for (var i = _owned.Count - 1; i >= 0; i--) await _owned[i].DisposeAsync();
    }
}
