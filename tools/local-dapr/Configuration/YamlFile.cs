using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LocalDapr.Configuration;

/// <summary>A problem in a YAML file the runtime reads, reported with the file and line.</summary>
public sealed class ConfigurationException(string file, long line, string message)
    : Exception($"{file}:{line}: {message}")
{
    public string File { get; } = file;
    public long Line { get; } = line;
    public string Reason { get; } = message;
}

/// <summary>
/// Reads YAML documents as node trees so that every validation error can name its file and line.
/// One reader for the run file, components, subscriptions and resiliency policies.
/// </summary>
public sealed class YamlFile
{
    private YamlFile(string path, IReadOnlyList<YamlMappingNode?> documents, bool exactKeys)
    {
        Path = path;
        Documents = documents;
        _keys = exactKeys ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
    }

    private readonly StringComparison _keys;

    public string Path { get; }

    /// <summary>The top-level mapping of each document; null for an empty document.</summary>
    public IReadOnlyList<YamlMappingNode?> Documents { get; }

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="exactKeys">
    /// Whether keys match only as spelled: the Dapr CLI reads the run file with Go's YAML decoder, which matches field
    /// names exactly, while daprd reads resources through JSON, which ignores the case of field names.
    /// </param>
    public static YamlFile Load(string path, bool exactKeys = false)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            throw new ConfigurationException(path, e.Start.Line, Clean(e));
        }

        var documents = new List<YamlMappingNode?>();
        foreach (var document in stream.Documents)
        {
            switch (document.RootNode)
            {
                case YamlMappingNode mapping:
                    documents.Add(mapping);
                    break;
                case YamlScalarNode { Value: null or "" }:
                    documents.Add(null);
                    break;
                default:
                    throw new ConfigurationException(path, document.RootNode.Start.Line, "expected a mapping at the top of the document");
            }
        }
        return new YamlFile(path, documents, exactKeys);
    }

    public ConfigurationException Error(YamlNode node, string message) => new(Path, node.Start.Line, message);

    public YamlNode? Get(YamlMappingNode map, string key)
    {
        foreach (var (k, v) in map.Children)
        {
            if (k is YamlScalarNode s && string.Equals(s.Value, key, _keys))
                return v is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" } ? null : v;
        }
        return null;
    }

    public YamlMappingNode? Map(YamlMappingNode map, string key) => Get(map, key) switch
    {
        null => null,
        YamlMappingNode m => m,
        var other => throw Error(other, $"'{key}' must be a mapping"),
    };

    public string? String(YamlMappingNode map, string key) => Get(map, key) switch
    {
        null => null,
        YamlScalarNode s => s.Value,
        var other => throw Error(other, $"'{key}' must be a single value"),
    };

    public string RequiredString(YamlMappingNode map, string key, string what)
    {
        var value = String(map, key);
        return string.IsNullOrWhiteSpace(value) ? throw Error(map, $"{what} has no '{key}'") : value;
    }

    public int? Int(YamlMappingNode map, string key)
    {
        var node = Get(map, key);
        if (node is null) return null;
        if (node is YamlScalarNode s && int.TryParse(s.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)) return n;
        throw Error(node, $"'{key}' must be a whole number");
    }

    public bool? Bool(YamlMappingNode map, string key)
    {
        var node = Get(map, key);
        if (node is null) return null;
        if (node is YamlScalarNode s && bool.TryParse(s.Value, out var b)) return b;
        throw Error(node, $"'{key}' must be true or false");
    }

    /// <summary>A list of strings; a single scalar counts as a list of one.</summary>
    public List<string>? Strings(YamlMappingNode map, string key)
    {
        var node = Get(map, key);
        return node switch
        {
            null => null,
            YamlScalarNode s => s.Value is null ? [] : [s.Value],
            YamlSequenceNode seq => seq.Children.Select(c => c is YamlScalarNode cs ? cs.Value ?? "" : throw Error(c, $"each item of '{key}' must be a single value")).ToList(),
            _ => throw Error(node, $"'{key}' must be a list"),
        };
    }

    /// <summary>A list of strings that must be written as a YAML sequence (a Go <c>[]string</c> field refuses a single value).</summary>
    public List<string>? List(YamlMappingNode map, string key) => Get(map, key) switch
    {
        null => null,
        YamlSequenceNode => Strings(map, key),
        var other => throw Error(other, $"'{key}' must be a list (for example [\"{(other as YamlScalarNode)?.Value}\"])"),
    };

    public Dictionary<string, string>? StringMap(YamlMappingNode map, string key)
    {
        var node = Map(map, key);
        if (node is null) return null;
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in node.Children)
        {
            if (k is not YamlScalarNode ks || v is not YamlScalarNode vs) throw Error(k, $"'{key}' must map names to single values");
            result[ks.Value ?? ""] = vs.Value ?? "";
        }
        return result;
    }

    public IEnumerable<YamlMappingNode> Sequence(YamlMappingNode map, string key)
    {
        var node = Get(map, key);
        if (node is null) yield break;
        if (node is not YamlSequenceNode seq) throw Error(node, $"'{key}' must be a list");
        foreach (var item in seq.Children)
            yield return item as YamlMappingNode ?? throw Error(item, $"each item of '{key}' must be a mapping");
    }

    private static string Clean(YamlException e)
    {
        // YamlDotNet prefixes messages with "(Line: x, Col: y, Idx: z) - (Line: ...): ".
        var message = e.Message;
        var cut = message.LastIndexOf("): ", StringComparison.Ordinal);
        return "malformed YAML: " + (cut >= 0 ? message[(cut + 3)..] : message);
    }
}
