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
/// with per-app values overriding the common ones and paths relative to the file. Read as the CLI reads it: field names
/// match only as spelled (Go's YAML decoder), lists must be lists, and what the CLI refuses is refused with its words
/// (docs/adr/0008-component-sets.md).
/// </summary>
public static class RunFile
{
    public static IReadOnlyList<AppSpec> Load(string path, IReadOnlyDictionary<string, string> environment)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, "dapr.yaml");
        if (!File.Exists(path)) throw new ConfigurationException(path, 0, "run file not found");
        var yaml = YamlFile.Load(path, exactKeys: true);
        var root = yaml.Documents.FirstOrDefault() ?? throw new ConfigurationException(path, 1, "the run file is empty");
        var version = yaml.Int(root, "version");
        if (version is null or 0) throw yaml.Error(root, "required field 'version' not found in the provided run template file");
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

        var resolved = ResourcesPaths(yaml, app, common, baseDir, appDir);

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
            Command = yaml.List(app, "command") ?? [],
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
                ConfigFile = ConfigFile(yaml, app, common, baseDir, appDir),
                WorkingDirectory = appDir,
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

    /// <summary>
    /// The app's Configuration file (daprd's <c>--config</c>), as the Dapr CLI (<c>pkg/runfileconfig</c>) resolves it: the
    /// app's <c>configFilePath</c> (against its <c>appDirPath</c>), its folder's <c>.dapr/config.yaml</c>, the common
    /// <c>configFilePath</c> (against the run file's folder), or <c>~/.dapr/config.yaml</c> (skipped when missing: nothing
    /// installed the Dapr CLI's defaults). A path that is given must exist.
    /// </summary>
    private static string? ConfigFile(YamlFile yaml, YamlMappingNode app, YamlMappingNode? common, string baseDir, string appDir)
    {
        if (Given(app, appDir) is { } own) return own;
        var local = Path.Combine(appDir, ".dapr", "config.yaml");
        if (File.Exists(local)) return local;
        if (common is not null && Given(common, baseDir) is { } shared) return shared;
        var fallback = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dapr", "config.yaml");
        return File.Exists(fallback) ? fallback : null;

        string? Given(YamlMappingNode section, string dir)
        {
            if (yaml.String(section, "configFilePath") is not { } given || string.IsNullOrWhiteSpace(given)) return null;
            var home = given == "~" || given.StartsWith("~/", StringComparison.Ordinal)
                ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + given[1..]
                : given;
            var full = Path.GetFullPath(Path.Combine(dir, home));
            return File.Exists(full) ? full : throw yaml.Error(yaml.Get(section, "configFilePath")!, $"config file '{given}' does not exist ({full})");
        }
    }

    private static LogDestination Destination(YamlFile yaml, YamlMappingNode app, YamlMappingNode? common, string key, LogDestination fallback)
    {
        var node = yaml.Get(app, key) ?? (common is null ? null : yaml.Get(common, key));
        var text = yaml.String(app, key) ?? (common is null ? null : yaml.String(common, key));
        // Spelled exactly, as the Dapr CLI compares them.
        return text switch
        {
            null or "" => fallback,
            "console" => LogDestination.Console,
            "file" => LogDestination.File,
            "fileAndConsole" => LogDestination.FileAndConsole,
            _ => throw yaml.Error(node!, $"invalid log destination type: {text} ('{key}' must be file, console or fileAndConsole)"),
        };
    }

    /// <summary>
    /// The resources paths of one app, as the Dapr CLI (<c>pkg/runfileconfig</c>) resolves them: in each section,
    /// <c>resourcesPaths</c> (a list) and the older <c>resourcesPath</c> (one path) together, every path made absolute
    /// (the common section's against the run file's folder, an app's against its <c>appDirPath</c>) and refused when it
    /// does not exist. An app uses, in this order, its own paths, its folder's <c>.dapr/resources</c> when there is one,
    /// the common paths, or <c>~/.dapr/components</c> (skipped when missing: nothing installed the Dapr CLI's defaults).
    /// Each path is read as daprd reads it (<see cref="ResourceLoader"/>): the files directly in the folder, never its
    /// subfolders.
    /// </summary>
    private static List<string> ResourcesPaths(YamlFile yaml, YamlMappingNode app, YamlMappingNode? common, string baseDir, string appDir)
    {
        var own = Section(app, appDir);
        if (own.Count > 0) return own;
        var local = Path.Combine(appDir, ".dapr", "resources");
        if (Directory.Exists(local)) return [local];
        var shared = common is null ? [] : Section(common, baseDir);
        if (shared.Count > 0) return shared;
        var fallback = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dapr", "components");
        return Directory.Exists(fallback) ? [fallback] : [];

        List<string> Section(YamlMappingNode section, string dir)
        {
            var paths = new List<string>();
            foreach (var given in yaml.List(section, "resourcesPaths") ?? [])
                paths.Add(Existing(yaml.Get(section, "resourcesPaths")!, given, dir));
            if (yaml.String(section, "resourcesPath") is { } single && !string.IsNullOrWhiteSpace(single))
                paths.Add(Existing(yaml.Get(section, "resourcesPath")!, single, dir));
            return paths;
        }

        string Existing(YamlNode node, string given, string dir)
        {
            var home = given == "~" || given.StartsWith("~/", StringComparison.Ordinal)
                ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + given[1..]
                : given;
            var full = Path.GetFullPath(Path.Combine(dir, home));
            return Directory.Exists(full) || File.Exists(full) ? full : throw yaml.Error(node, $"resources path '{given}' does not exist ({full})");
        }
    }
}
