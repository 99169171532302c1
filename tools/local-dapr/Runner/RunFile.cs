using LocalDapr.Configuration;
using LocalDapr.Sidecar;
using YamlDotNet.RepresentationModel;

namespace LocalDapr.Runner;

public enum LogDestination
{
    Console,
    File,
    FileAndConsole,
}

/// <summary>One app to run: its command, its directory and environment, and its sidecar's options.</summary>
public sealed record AppSpec
{
    public required string AppId { get; init; }

    public required string AppDirPath { get; init; }

    /// <summary>Empty: run the sidecar alone.</summary>
    public IReadOnlyList<string> Command { get; init; } = [];

    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    public required SidecarOptions Sidecar { get; init; }

    public LogDestination AppLogDestination { get; init; } = LogDestination.FileAndConsole;

    public LogDestination DaprdLogDestination { get; init; } = LogDestination.File;

    /// <summary>True when the sidecar's API token was made for this run (none was set): only the app knows it.</summary>
    public bool GeneratedApiToken { get; init; }
}

/// <summary>The development tokens the runner makes for a run in which none are set: random, one per app and kind, never stored.</summary>
public static class ApiTokens
{
    public static string Generate() => System.Security.Cryptography.RandomNumberGenerator.GetHexString(64, lowercase: true);
}

/// <summary>
/// The multi-app run file of <c>dapr run -f</c> (dapr/cli <c>pkg/runfileconfig</c>): <c>version</c>, <c>common</c> and <c>apps</c>,
/// with per-app values overriding the common ones and paths relative to the file.
/// </summary>
public static class RunFile
{
    public static IReadOnlyList<AppSpec> Load(string path, IReadOnlyDictionary<string, string> environment)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, "dapr.yaml");
        if (!File.Exists(path)) throw new ConfigurationException(path, 0, "run file not found");
        var yaml = YamlFile.Load(path);
        var root = yaml.Documents.FirstOrDefault() ?? throw new ConfigurationException(path, 1, "the run file is empty");
        var version = yaml.Int(root, "version");
        if (version is not 1) throw yaml.Error(root, $"unsupported run file version '{version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(missing)"}'; expected 1");
        var baseDir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var common = yaml.Map(root, "common");
        var apps = new List<AppSpec>();
        foreach (var app in yaml.Sequence(root, "apps"))
        {
            var spec = ReadApp(yaml, app, common, baseDir, environment);
            if (apps.Any(a => a.AppId == spec.AppId)) throw yaml.Error(app, $"app id '{spec.AppId}' appears twice");
            apps.Add(spec);
        }
        if (yaml.Get(root, "apps") is null) throw yaml.Error(root, "the run file has no 'apps'");
        var ports = apps.SelectMany(a => new[] { a.Sidecar.HttpPort, a.Sidecar.GrpcPort, a.Sidecar.AppPort ?? 0 }).Where(p => p > 0).GroupBy(p => p).FirstOrDefault(g => g.Count() > 1);
        if (ports is not null) throw yaml.Error(root, $"port {ports.Key} is given to more than one app or sidecar");
        return apps;
    }

    private static AppSpec ReadApp(YamlFile yaml, YamlMappingNode app, YamlMappingNode? common, string baseDir, IReadOnlyDictionary<string, string> environment)
    {
        string? Str(string key) => yaml.String(app, key) ?? (common is null ? null : yaml.String(common, key));
        int? Int(string key) => yaml.Int(app, key) ?? (common is null ? null : yaml.Int(common, key));
        bool? Bool(string key) => yaml.Bool(app, key) ?? (common is null ? null : yaml.Bool(common, key));

        var dir = yaml.String(app, "appDirPath") ?? throw yaml.Error(app, "app has no 'appDirPath' (it is required)");
        var appDir = Path.GetFullPath(Path.Combine(baseDir, dir));
        if (!Directory.Exists(appDir)) throw yaml.Error(app, $"appDirPath '{dir}' does not exist ({appDir})");
        var appId = yaml.String(app, "appID") ?? Path.GetFileName(appDir.TrimEnd(Path.DirectorySeparatorChar)).ToLowerInvariant();

        var resources = yaml.Strings(app, "resourcesPaths") ?? yaml.Strings(app, "resourcesPath")
            ?? (common is null ? null : yaml.Strings(common, "resourcesPaths") ?? yaml.Strings(common, "resourcesPath"))
            ?? [Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dapr", "components")];
        // Per-app relative paths resolve against the app's folder, common ones against the run file's folder (as the Dapr CLI does).
        var appHasOwn = yaml.Get(app, "resourcesPaths") is not null || yaml.Get(app, "resourcesPath") is not null;
        var resolved = resources.Select(r => Path.GetFullPath(Path.Combine(appHasOwn ? appDir : baseDir, r))).Where(r => Directory.Exists(r) || File.Exists(r)).ToList();

        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in (common is null ? null : yaml.StringMap(common, "env")) ?? []) env[k] = v;
        foreach (var (k, v) in yaml.StringMap(app, "env") ?? []) env[k] = v;

        var protocol = (Str("appProtocol") ?? "http").ToLowerInvariant();
        if (protocol is not ("http" or "h2c" or "grpc"))
            throw yaml.Error(app, $"appProtocol '{protocol}' is not supported by the local runtime (use http or h2c; run with the Dapr CLI for {protocol})");

        TimeSpan Millis(string key, TimeSpan fallback) => Int(key) is { } ms ? TimeSpan.FromMilliseconds(ms) : fallback;
        // As with the Dapr CLI, a token set in the run file's env or in the runner's environment is passed to the app and
        // its sidecar; without one, the runner makes one for this run, so no sidecar or app port answers a caller without it.
        string? Given(string name) => env.TryGetValue(name, out var v) && v.Length > 0 ? v : environment.TryGetValue(name, out var e) && e.Length > 0 ? e : null;
        var apiToken = Given("DAPR_API_TOKEN");
        var appApiToken = Given("APP_API_TOKEN");

        return new AppSpec
        {
            AppId = appId,
            AppDirPath = appDir,
            Command = yaml.Strings(app, "command") ?? [],
            Env = env,
            GeneratedApiToken = apiToken is null,
            AppLogDestination = Destination(yaml, app, common, "appLogDestination", LogDestination.FileAndConsole),
            DaprdLogDestination = Destination(yaml, app, common, "daprdLogDestination", LogDestination.File),
            Sidecar = new SidecarOptions
            {
                AppId = appId,
                AppPort = yaml.Int(app, "appPort"),
                AppProtocol = protocol,
                AppChannelAddress = Str("appChannelAddress") ?? "127.0.0.1",
                HttpPort = yaml.Int(app, "daprHTTPPort") ?? 0,
                GrpcPort = yaml.Int(app, "daprGRPCPort") ?? 0,
                ResourcesPaths = resolved,
                EnableAppHealthCheck = Bool("enableAppHealthCheck") ?? false,
                AppHealthCheckPath = Str("appHealthCheckPath") ?? "/healthz",
                AppHealthProbeInterval = TimeSpan.FromSeconds(Int("appHealthProbeInterval") ?? 5),
                AppHealthProbeTimeout = Millis("appHealthProbeTimeout", TimeSpan.FromMilliseconds(500)),
                AppHealthThreshold = Int("appHealthThreshold") ?? 3,
                ApiToken = apiToken ?? ApiTokens.Generate(),
                AppApiToken = appApiToken ?? ApiTokens.Generate(),
            },
        };
    }

    private static LogDestination Destination(YamlFile yaml, YamlMappingNode app, YamlMappingNode? common, string key, LogDestination fallback)
    {
        var node = yaml.Get(app, key) ?? (common is null ? null : yaml.Get(common, key));
        var text = yaml.String(app, key) ?? (common is null ? null : yaml.String(common, key));
        return text?.ToLowerInvariant() switch
        {
            null => fallback,
            "console" => LogDestination.Console,
            "file" => LogDestination.File,
            "fileandconsole" => LogDestination.FileAndConsole,
            _ => throw yaml.Error(node!, $"'{key}' must be file, console or fileAndConsole"),
        };
    }
}
