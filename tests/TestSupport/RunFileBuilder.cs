using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Mtaeda.Testing;

/// <summary>
/// A multi-app run file (<c>dapr run -f</c>, as the local runtime's runner and the Dapr CLI read it) for the
/// repository's apps on ports of a run's own: the one writer of run files for the end-to-end tests and tools/bench.
/// Written with YamlDotNet, so every value is quoted as YAML needs.
/// </summary>
/// <param name="root">The repository (<see cref="Repository.Root"/>, or the folder a tool found it in).</param>
/// <param name="configuration">The build configuration the services were built in (Debug or Release): their dlls are run from it.</param>
public sealed class RunFileBuilder(string root, string configuration)
{
    private readonly List<string> _resourcesPaths = [];
    private readonly List<KeyValuePair<string, string>> _env = [];
    private readonly YamlSequenceNode _apps = [];

    /// <summary>Where the apps' output goes (<c>appLogDestination</c>): file, console or fileAndConsole.</summary>
    public string AppLogDestination { get; init; } = "fileAndConsole";

    /// <summary>The folder of <paramref name="appId"/> under the repository (the runner writes its logs under it, in <c>.dapr/logs</c>).</summary>
    public static string AppDir(string appId) => appId switch { "simulator" => "tools/simulator", "dashboard" => "dashboard-ui", _ => $"services/{appId}" };

    /// <summary>The built dll of <paramref name="appId"/> (<c>Mtaeda.&lt;AppId&gt;.dll</c> in its folder's bin).</summary>
    public string AppDll(string appId) =>
        Path.Combine(root, AppDir(appId), "bin", configuration, "net10.0", $"Mtaeda.{char.ToUpperInvariant(appId[0])}{appId[1..]}.dll");

    /// <summary>Adds component folders (<c>common.resourcesPaths</c>), in order.</summary>
    public RunFileBuilder Resources(params string[] paths)
    {
        _resourcesPaths.AddRange(paths);
        return this;
    }

    /// <summary>Adds a variable of every app's environment (<c>common.env</c>).</summary>
    public RunFileBuilder Env(string name, string value)
    {
        _env.Add(new(name, value));
        return this;
    }

    /// <summary>
    /// Adds an app of the repository beside its sidecar: a service (h2c; the dashboard HTTP/1.1) run from its built dll, or
    /// the simulator as a sidecar alone (its process is run by the caller beside it).
    /// </summary>
    /// <param name="appId">The app's id, which names its folder (<see cref="AppDir"/>).</param>
    /// <param name="ports">The app's port and its sidecar's HTTP and gRPC ports (the simulator's app port is unused).</param>
    /// <param name="command">The command that runs the app, given its dll; by default <c>dotnet &lt;dll&gt;</c>.</param>
    /// <param name="env">Variables of this app's environment only (the app's <c>env</c>).</param>
    public RunFileBuilder App(string appId, (int App, int Http, int Grpc) ports, Func<string, IReadOnlyList<string>>? command = null, IReadOnlyDictionary<string, string>? env = null)
    {
        var dir = Path.Combine(root, AppDir(appId));
        if (appId == "simulator") return Sidecar(appId, dir, ports.Http, ports.Grpc, env: env);
        var dll = AppDll(appId);
        return Sidecar(appId, dir, ports.Http, ports.Grpc, ports.App, appId == "dashboard" ? "http" : "h2c", command?.Invoke(dll) ?? ["dotnet", dll], env);
    }

    /// <summary>Adds an app by its fields: a sidecar alone without <paramref name="appPort"/>; no command for an app that runs already.</summary>
    public RunFileBuilder Sidecar(string appId, string appDirPath, int httpPort, int grpcPort, int? appPort = null, string? appProtocol = null, IReadOnlyList<string>? command = null,
        IReadOnlyDictionary<string, string>? env = null)
    {
        var app = new YamlMappingNode
        {
            { "appID", appId },
            { "appDirPath", appDirPath },
            { "daprHTTPPort", Number(httpPort) },
            { "daprGRPCPort", Number(grpcPort) },
        };
        if (appPort is { } port) app.Add("appPort", Number(port));
        if (appProtocol is not null) app.Add("appProtocol", appProtocol);
        if (command is not null) app.Add("command", new YamlSequenceNode(command.Select(Quoted)) { Style = SequenceStyle.Flow });
        if (env is { Count: > 0 })
        {
            var variables = new YamlMappingNode();
            foreach (var (name, value) in env) variables.Add(name, Quoted(value));
            app.Add("env", variables);
        }
        _apps.Add(app);
        return this;
    }

    /// <summary>The run file's text.</summary>
    public override string ToString()
    {
        var common = new YamlMappingNode
        {
            { "resourcesPaths", new YamlSequenceNode(_resourcesPaths.Select(p => new YamlScalarNode(p))) { Style = SequenceStyle.Flow } },
            { "appLogDestination", AppLogDestination },
        };
        if (_env.Count > 0)
        {
            var env = new YamlMappingNode();
            foreach (var (name, value) in _env) env.Add(name, Quoted(value));
            common.Add("env", env);
        }
        var file = new YamlMappingNode { { "version", Number(1) }, { "common", common }, { "apps", _apps } };
        using var text = new StringWriter { NewLine = "\n" };
        new YamlStream(new YamlDocument(file)).Save(text, assignAnchors: false);
        return text.ToString();
    }

    /// <summary>Writes the run file to <paramref name="path"/>.</summary>
    public Task WriteAsync(string path, CancellationToken cancellationToken = default) => File.WriteAllTextAsync(path, ToString(), cancellationToken);

    // Numbers plain (the CLI reads them as ints), environment values and commands quoted (always strings).
    private static YamlScalarNode Number(int value) => new(value.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static YamlScalarNode Quoted(string value) => new(value) { Style = ScalarStyle.DoubleQuoted };
}
