using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Mtaeda.RealDapr.Tests;

/// <summary>The broker (and store) set a run uses: components/redis, or components/kafka with its PostgreSQL stores.</summary>
public enum Broker
{
    /// <summary>components/redis: pub/sub on Redis Streams, state in Redis.</summary>
    Redis,

    /// <summary>components/kafka: pub/sub on Kafka, state in PostgreSQL.</summary>
    Kafka,
}

/// <summary>An app of the run file: what the Dapr CLI reads to start it and its daprd.</summary>
/// <param name="AppId">The app id.</param>
/// <param name="AppDirPath">The app's folder, relative to the repository.</param>
/// <param name="Protocol">The app protocol (h2c, http).</param>
/// <param name="Command">The command the CLI runs in the app's folder.</param>
/// <param name="Env">The app's own environment from the run file.</param>
public sealed record RunFileApp(string AppId, string AppDirPath, string Protocol, IReadOnlyList<string> Command, IReadOnlyDictionary<string, string> Env);

/// <summary>Where the broker and stores answer, as daprd inside the containers' network reaches them.</summary>
/// <param name="Redis">host:port of Redis (Redis set).</param>
/// <param name="KafkaBrokers">host:port of the Kafka brokers (Kafka set).</param>
/// <param name="PostgresConnection">The PostgreSQL connection string (Kafka set).</param>
public sealed record BrokerEndpoints(string? Redis = null, string? KafkaBrokers = null, string? PostgresConnection = null);

/// <summary>
/// What a run against real daprd is made of, read from the Dapr CLI's run file (<c>dapr.cli.yaml</c>) as the CLI reads
/// it: the apps, their command, folder, protocol and environment, the common environment and health check, and the
/// resources paths, with the broker's set in place of the run file's (ADR 0008). From it: each daprd's command line in
/// its container, the environment daprd reads the set's <c>envRef</c>s from, and each app's environment.
/// </summary>
public sealed class RealDaprPlan
{
    /// <summary>The image with daprd, placement and scheduler, of the Dapr line the SDK packages are on (1.19).</summary>
    public static string DaprImage { get; } = Environment.GetEnvironmentVariable("MTAEDA_DAPR_IMAGE") is { Length: > 0 } image ? image : "daprio/dapr:1.19.0";

    /// <summary>Where the resources folders are mounted in each daprd container.</summary>
    public const string MountRoot = "/mtaeda";

    /// <summary>daprd's HTTP API port inside its container.</summary>
    public const int SidecarHttpPort = 3500;

    /// <summary>daprd's gRPC API port inside its container.</summary>
    public const int SidecarGrpcPort = 50001;

    /// <summary>The placement service's port and network alias.</summary>
    public const string Placement = "placement:50005";

    /// <summary>The scheduler service's port and network alias.</summary>
    public const string Scheduler = "scheduler:50006";

    /// <summary>How daprd in a container reaches the apps, which run on the host.</summary>
    public const string HostAlias = "host.docker.internal";

    private RealDaprPlan(Broker broker, IReadOnlyList<string> resourceFolders, IReadOnlyList<RunFileApp> apps, IReadOnlyDictionary<string, string> commonEnv, string? healthCheckPath)
    {
        Broker = broker;
        ResourceFolders = resourceFolders;
        Apps = apps;
        CommonEnv = commonEnv;
        HealthCheckPath = healthCheckPath;
    }

    /// <summary>The broker set.</summary>
    public Broker Broker { get; }

    /// <summary>The resources folders, relative to the repository: the run file's, with the broker's set for its set.</summary>
    public IReadOnlyList<string> ResourceFolders { get; }

    /// <summary>The apps this run starts, in the run file's order.</summary>
    public IReadOnlyList<RunFileApp> Apps { get; }

    /// <summary>The run file's common environment (every app's).</summary>
    public IReadOnlyDictionary<string, string> CommonEnv { get; }

    /// <summary>The app health check path when the run file turns app health checks on, else null.</summary>
    public string? HealthCheckPath { get; }

    /// <summary>Reads <paramref name="runFile"/> and keeps the apps named in <paramref name="appIds"/>.</summary>
    /// <param name="root">The repository's root.</param>
    /// <param name="runFile">The run file, relative to the root (dapr.cli.yaml).</param>
    /// <param name="broker">The set to run on.</param>
    /// <param name="appIds">The apps to start.</param>
    /// <returns>The plan.</returns>
    public static RealDaprPlan Read(string root, string runFile, Broker broker, IReadOnlyCollection<string> appIds)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(root, runFile))) stream.Load(reader);
        var doc = (YamlMappingNode)stream.Documents[0].RootNode;
        var common = Map(doc, "common") ?? throw new InvalidDataException($"{runFile} has no common section");

        var set = broker switch { Broker.Redis => "redis", _ => "kafka" };
        var paths = Seq(common, "resourcesPaths").Select(p => Path.GetRelativePath(root, Path.GetFullPath(Path.Combine(root, p)))).ToList();
        // The run file names one set beside the shared folder; the broker's set takes its place.
        var setIndex = paths.FindIndex(p => Path.GetDirectoryName(p) == "components" && Path.GetFileName(p) != "common");
        if (setIndex < 0) throw new InvalidDataException($"{runFile}: resourcesPaths names no component set under components/");
        paths[setIndex] = Path.Combine("components", set);
        foreach (var path in paths)
            if (!Directory.Exists(Path.Combine(root, path))) throw new DirectoryNotFoundException($"{runFile}: resources path {path} does not exist");

        var healthCheck = Scalar(common, "enableAppHealthCheck") == "true" ? Scalar(common, "appHealthCheckPath") ?? "/healthz" : null;
        var apps = new List<RunFileApp>();
        foreach (var app in ((YamlSequenceNode)doc.Children[new YamlScalarNode("apps")]).Children.OfType<YamlMappingNode>())
        {
            var id = Scalar(app, "appID")!;
            if (!appIds.Contains(id)) continue;
            apps.Add(new RunFileApp(id, Scalar(app, "appDirPath")!.TrimStart('.', '/'), Scalar(app, "appProtocol") ?? "http",
                Seq(app, "command"), Env(app)));
        }
        var missing = appIds.Except(apps.Select(a => a.AppId)).ToArray();
        if (missing.Length > 0) throw new InvalidDataException($"{runFile} has no app {string.Join(", ", missing)}");
        return new RealDaprPlan(broker, paths, apps, Env(common), healthCheck);
    }

    /// <summary>Where a resources folder is mounted in the daprd containers.</summary>
    /// <param name="folder">The folder, relative to the repository.</param>
    /// <returns>The path in the container.</returns>
    public static string MountPath(string folder) => $"{MountRoot}/{folder.Replace('\\', '/')}";

    /// <summary>daprd's command line for <paramref name="app"/> (after the entrypoint <c>./daprd</c>), as the CLI builds it
    /// from the run file, with the container's ports and the control plane's aliases.</summary>
    /// <param name="app">The app.</param>
    /// <param name="appPort">The app's port on the host.</param>
    /// <returns>The arguments.</returns>
    public IReadOnlyList<string> DaprdArguments(RunFileApp app, int appPort)
    {
        ArgumentNullException.ThrowIfNull(app);
        var args = new List<string>
        {
            "--app-id", app.AppId,
            "--app-port", appPort.ToString(CultureInfo.InvariantCulture),
            "--app-protocol", app.Protocol,
            "--app-channel-address", HostAlias,
            "--dapr-http-port", SidecarHttpPort.ToString(CultureInfo.InvariantCulture),
            "--dapr-grpc-port", SidecarGrpcPort.ToString(CultureInfo.InvariantCulture),
            "--placement-host-address", Placement,
            "--scheduler-host-address", Scheduler,
            "--log-level", "info",
        };
        foreach (var folder in ResourceFolders) args.AddRange(["--resources-path", MountPath(folder)]);
        if (HealthCheckPath is not null) args.AddRange(["--enable-app-health-check", "--app-health-check-path", HealthCheckPath]);
        return args;
    }

    /// <summary>daprd's command line for a sidecar without an app (the tests call the services through it).</summary>
    /// <param name="appId">Its app id.</param>
    /// <returns>The arguments.</returns>
    public IReadOnlyList<string> CallerArguments(string appId)
    {
        var args = new List<string>
        {
            "--app-id", appId,
            "--dapr-http-port", SidecarHttpPort.ToString(CultureInfo.InvariantCulture),
            "--dapr-grpc-port", SidecarGrpcPort.ToString(CultureInfo.InvariantCulture),
            "--placement-host-address", Placement,
            "--scheduler-host-address", Scheduler,
        };
        foreach (var folder in ResourceFolders) args.AddRange(["--resources-path", MountPath(folder)]);
        return args;
    }

    /// <summary>The placement service's command line (after <c>./placement</c>).</summary>
    public static IReadOnlyList<string> PlacementArguments => ["--port", Placement.Split(':')[1]];

    /// <summary>The scheduler service's command line (after <c>./scheduler</c>): its etcd in the container, announced to the
    /// sidecars by its alias (it announces its own host name otherwise, which the sidecars do not resolve).</summary>
    public static IReadOnlyList<string> SchedulerArguments =>
        ["--port", Scheduler.Split(':')[1], "--etcd-data-dir", "/tmp/dapr-scheduler", "--etcd-client-listen-address", "0.0.0.0", "--override-broadcast-host-port", Scheduler];

    /// <summary>The environment of every daprd: what the set's <c>envRef</c>s and the shared secret store read.</summary>
    /// <param name="endpoints">Where the broker and stores answer.</param>
    /// <param name="identificationKey">identificationstore's encryption key (64 hex digits).</param>
    /// <returns>The variables.</returns>
    public IReadOnlyDictionary<string, string> SidecarEnvironment(BrokerEndpoints endpoints, string identificationKey)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var env = new Dictionary<string, string>(StringComparer.Ordinal) { ["MTAEDA_IDENTIFICATION_STATE_KEY"] = identificationKey };
        if (Broker == Broker.Redis)
        {
            env["MTAEDA_REDIS_HOST"] = endpoints.Redis ?? throw new ArgumentException("the Redis set needs Redis", nameof(endpoints));
        }
        else
        {
            env["MTAEDA_KAFKA_BROKERS"] = endpoints.KafkaBrokers ?? throw new ArgumentException("the Kafka set needs Kafka", nameof(endpoints));
            env["MTAEDA_POSTGRES_CONNECTION"] = endpoints.PostgresConnection ?? throw new ArgumentException("the Kafka set needs PostgreSQL", nameof(endpoints));
        }
        return env;
    }

    /// <summary>An app's environment, as the CLI gives it: the common and the app's own variables, the app port, and its
    /// sidecar's ports (here the ports the sidecar's container is published on).</summary>
    /// <param name="app">The app.</param>
    /// <param name="appPort">The app's port.</param>
    /// <param name="sidecarHttp">The sidecar's HTTP port on the host.</param>
    /// <param name="sidecarGrpc">The sidecar's gRPC port on the host.</param>
    /// <returns>The variables.</returns>
    public IReadOnlyDictionary<string, string> AppEnvironment(RunFileApp app, int appPort, int sidecarHttp, int sidecarGrpc)
    {
        ArgumentNullException.ThrowIfNull(app);
        var env = new Dictionary<string, string>(CommonEnv, StringComparer.Ordinal);
        foreach (var (name, value) in app.Env) env[name] = value;
        env["APP_ID"] = app.AppId;
        env["APP_PORT"] = appPort.ToString(CultureInfo.InvariantCulture);
        // daprd calls the app from its container, through the host's gateway address: not loopback.
        env["APP_LISTEN_ADDRESS"] = "*";
        env["DAPR_HTTP_PORT"] = sidecarHttp.ToString(CultureInfo.InvariantCulture);
        env["DAPR_GRPC_PORT"] = sidecarGrpc.ToString(CultureInfo.InvariantCulture);
        return env;
    }

    /// <summary>Every <c>envRef</c> of the plan's resources folders (what daprd must find in its environment).</summary>
    /// <param name="root">The repository's root.</param>
    /// <returns>The variable names.</returns>
    public IReadOnlySet<string> EnvRefs(string root)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var folder in ResourceFolders)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, folder), "*.yaml"))
            {
                var stream = new YamlStream();
                using (var reader = new StreamReader(file)) stream.Load(reader);
                foreach (var doc in stream.Documents)
                {
                    if (doc.RootNode is not YamlMappingNode resource || Map(resource, "spec") is not { } spec) continue;
                    if (!spec.Children.TryGetValue(new YamlScalarNode("metadata"), out var items) || items is not YamlSequenceNode list) continue;
                    foreach (var item in list.Children.OfType<YamlMappingNode>())
                        if (Scalar(item, "envRef") is { } name) names.Add(name);
                }
            }
        }
        return names;
    }

    private static YamlMappingNode? Map(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value as YamlMappingNode : null;

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    private static List<string> Seq(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlSequenceNode list
            ? [.. list.Children.OfType<YamlScalarNode>().Select(s => s.Value!)]
            : [];

    private static Dictionary<string, string> Env(YamlMappingNode node) =>
        Map(node, "env") is { } env
            ? env.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => ((YamlScalarNode)kv.Value).Value ?? string.Empty, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
}
