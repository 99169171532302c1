using YamlDotNet.RepresentationModel;

namespace LocalDapr.Configuration;

/// <summary>A Dapr <c>Component</c> resource as read from a resources path.</summary>
public sealed record ComponentSpec(
    string Name,
    string Type,
    string Version,
    IReadOnlyDictionary<string, string> Metadata,
    IReadOnlyList<string> Scopes,
    string File,
    long Line)
{
    public string Kind => Type.Split('.', 2)[0];

    public bool AppliesTo(string appId) => Scopes.Count == 0 || Scopes.Contains(appId, StringComparer.Ordinal);

    public string? Meta(string key) => Metadata.TryGetValue(key, out var v) && !string.IsNullOrEmpty(v) ? v : null;

    public bool MetaBool(string key) => bool.TryParse(Meta(key), out var b) && b;

    public TimeSpan MetaDuration(string key, TimeSpan fallback) =>
        Meta(key) is { } text
            ? GoDuration.TryParse(text, out var d) ? d : throw new ConfigurationException(File, Line, $"metadata '{key}' of component '{Name}' is not a duration: '{text}'")
            : fallback;

    public int MetaInt(string key, int fallback) =>
        Meta(key) is { } text
            ? int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : throw new ConfigurationException(File, Line, $"metadata '{key}' of component '{Name}' is not a whole number: '{text}'")
            : fallback;
}

/// <summary>Everything the runtime reads from the resources paths of one app.</summary>
public sealed record Resources(IReadOnlyList<ComponentSpec> Components)
{
    public static Resources Empty { get; } = new([]);
}

/// <summary>
/// Reads the resources paths the way the Dapr CLI does: every <c>.yaml</c>/<c>.yml</c> file directly in each folder,
/// several documents per file, only the kinds the runtime knows (other kinds such as <c>Configuration</c> are skipped).
/// </summary>
public static class ResourceLoader
{
    /// <summary>The component types this runtime implements.</summary>
    public static readonly IReadOnlySet<string> SupportedTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "pubsub.in-memory",
        "state.in-memory",
    };

    public static Resources Load(IEnumerable<string> paths, string appId)
    {
        var components = new List<ComponentSpec>();
        foreach (var path in paths)
        {
            var files = System.IO.File.Exists(path)
                ? [path]
                : Directory.Exists(path)
                    ? Directory.EnumerateFiles(path).Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToArray()
                    : throw new ConfigurationException(path, 0, "resources path does not exist");
            foreach (var file in files)
            {
                var yaml = YamlFile.Load(file);
                foreach (var doc in yaml.Documents)
                {
                    if (doc is null) continue;
                    var kind = yaml.String(doc, "kind");
                    if (string.Equals(kind, "Component", StringComparison.Ordinal))
                    {
                        var component = ReadComponent(yaml, doc);
                        if (!component.AppliesTo(appId)) continue;
                        if (components.FirstOrDefault(c => c.Name == component.Name) is { } twin)
                            throw yaml.Error(doc, $"component '{component.Name}' is already defined in {twin.File}:{twin.Line}");
                        components.Add(component);
                    }
                }
            }
        }
        return new Resources(components);
    }

    private static ComponentSpec ReadComponent(YamlFile yaml, YamlMappingNode doc)
    {
        var metadata = yaml.Map(doc, "metadata") ?? throw yaml.Error(doc, "component has no 'metadata' (it needs metadata.name)");
        var name = yaml.RequiredString(metadata, "name", "component metadata");
        var spec = yaml.Map(doc, "spec") ?? throw yaml.Error(doc, $"component '{name}' has no 'spec'");
        var type = yaml.RequiredString(spec, "type", $"component '{name}'");
        if (!SupportedTypes.Contains(type))
        {
            throw yaml.Error(spec, $"component '{name}' has type '{type}', which the local runtime does not implement " +
                $"(it implements {string.Join(", ", SupportedTypes.Order(StringComparer.Ordinal))}). " +
                "Run with the Dapr CLI (`dapr run -f .`) for this component, or point the resources path at a folder of supported components.");
        }
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in yaml.Sequence(spec, "metadata"))
        {
            var key = yaml.RequiredString(item, "name", "component metadata item");
            if (yaml.Get(item, "secretKeyRef") is { } secretRef)
                throw yaml.Error(secretRef, $"metadata '{key}' of component '{name}' uses secretKeyRef; the local runtime has no secret stores, give the value directly or through an environment variable");
            values[key] = yaml.String(item, "value") ?? "";
        }
        return new ComponentSpec(name, type, yaml.String(spec, "version") ?? "v1", values, yaml.Strings(doc, "scopes") ?? [], yaml.Path, doc.Start.Line);
    }
}
