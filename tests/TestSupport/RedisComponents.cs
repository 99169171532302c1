using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Mtaeda.Testing;

/// <summary>Turns the in-memory components of a resources YAML into Redis ones, keeping everything else.</summary>
public static class RedisComponents
{
    /// <summary>
    /// Rewrites every <c>pubsub.in-memory</c> component into <c>pubsub.redis</c> and every <c>state.in-memory</c> into
    /// <c>state.redis</c> on <paramref name="redisHost"/>, database <paramref name="database"/>; other documents, and the
    /// components' other metadata, are kept.
    /// </summary>
    /// <param name="yaml">The resources (documents separated by <c>---</c>).</param>
    /// <param name="redisHost">The Redis endpoint (<c>host:port</c>).</param>
    /// <param name="database">The Redis database.</param>
    /// <param name="pubsubMetadata">More metadata for the pub/sub components (processingTimeout, consumerID, ...).</param>
    /// <returns>The rewritten YAML.</returns>
    public static string Rewrite(string yaml, string redisHost, int database, IReadOnlyDictionary<string, string>? pubsubMetadata = null)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        foreach (var document in stream.Documents)
        {
            if (document.RootNode is not YamlMappingNode root || Scalar(root, "kind") != "Component") continue;
            if (!root.Children.TryGetValue(new YamlScalarNode("spec"), out var specNode) || specNode is not YamlMappingNode spec) continue;
            var type = Scalar(spec, "type") switch
            {
                "pubsub.in-memory" => "pubsub.redis",
                "state.in-memory" => "state.redis",
                _ => null,
            };
            if (type is null) continue;
            spec.Children[new YamlScalarNode("type")] = new YamlScalarNode(type);
            if (!spec.Children.TryGetValue(new YamlScalarNode("metadata"), out var metadataNode) || metadataNode is not YamlSequenceNode metadata)
            {
                metadata = [];
                spec.Children[new YamlScalarNode("metadata")] = metadata;
            }

            var values = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["redisHost"] = redisHost,
                ["redisDB"] = database.ToString(CultureInfo.InvariantCulture),
            };
            if (type == "pubsub.redis" && pubsubMetadata is not null)
            {
                foreach (var (key, value) in pubsubMetadata) values[key] = value;
            }

            foreach (var (key, value) in values)
            {
                var existing = metadata.Children.OfType<YamlMappingNode>().FirstOrDefault(m => Scalar(m, "name") == key);
                if (existing is not null) existing.Children[new YamlScalarNode("value")] = new YamlScalarNode(value);
                else metadata.Add(new YamlMappingNode(new YamlScalarNode("name"), new YamlScalarNode(key), new YamlScalarNode("value"), new YamlScalarNode(value)));
            }
        }

        using var writer = new StringWriter();
        stream.Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode scalar ? scalar.Value : null;
}
