using LocalDapr.Configuration;
using LocalDapr.Runner;
using YamlDotNet.RepresentationModel;

namespace LocalDapr.Tests;

/// <summary>
/// The repository's component sets and run files (docs/adr/0008-component-sets.md): the shared resources in
/// components/common, one broker/store set beside them (memory, redis, kafka), composed by <c>resourcesPaths</c>.
/// </summary>
public sealed class ComponentSetTests
{
    private static readonly string[] Sets = ["memory", "redis", "kafka"];

    private static string Root => Mtaeda.Testing.Repository.Root;

    [Fact]
    public void The_three_sets_declare_the_same_components_with_the_same_scopes()
    {
        var memory = Components("memory");
        Assert.Equal(["hubfanout", "identificationstore", "pubsub", "statestore"], memory.Keys.Order(StringComparer.Ordinal));
        foreach (var set in Sets)
        {
            var components = Components(set);
            Assert.Equal(memory.Keys.Order(StringComparer.Ordinal), components.Keys.Order(StringComparer.Ordinal));
            foreach (var (name, component) in components)
            {
                Assert.True(memory[name].Kind == component.Kind, $"{set}/{name} is a {component.Kind}, the memory set's a {memory[name].Kind}");
                Assert.True(memory[name].Scopes.SequenceEqual(component.Scopes), $"{set}/{name} is scoped to [{string.Join(", ", component.Scopes)}], the memory set's to [{string.Join(", ", memory[name].Scopes)}]");
            }
        }
    }

    [Fact]
    public void The_three_pubsubs_protect_and_grant_the_same_topics()
    {
        string[] keys = ["protectedTopics", "publishingScopes", "subscriptionScopes"];
        var memory = Components("memory")["pubsub"].Metadata;
        Assert.All(keys, key => Assert.False(string.IsNullOrEmpty(memory.GetValueOrDefault(key)), $"the memory pubsub has no {key}"));
        foreach (var set in Sets)
        {
            var metadata = Components(set)["pubsub"].Metadata;
            foreach (var key in keys) Assert.True(memory[key] == metadata.GetValueOrDefault(key), $"{set}/pubsub's {key} differs from the memory set's");
        }
    }

    [Fact]
    public void Only_the_kafka_set_needs_the_dapr_cli_and_the_sets_leave_the_shared_resources_to_common()
    {
        foreach (var set in new[] { "memory", "redis" })
        {
            var resources = ResourceLoader.Load([Path.Combine(Root, "components", "common"), Path.Combine(Root, "components", set)], "identification");
            Assert.Equal(["identification-secrets", "identificationstore", "pubsub", "statestore"], resources.Components.Select(c => c.Name).Order(StringComparer.Ordinal));
            Assert.NotEmpty(resources.Resiliency.Apps);
        }
        var kafka = Assert.Throws<ConfigurationException>(() => ResourceLoader.Load([Path.Combine(Root, "components", "common"), Path.Combine(Root, "components", "kafka")], "stations"));
        Assert.Contains("Dapr CLI", kafka.Message);

        var kinds = Sets.SelectMany(set => Directory.GetFiles(Path.Combine(Root, "components", set), "*.yaml")).Select(file => Kind(file)).Distinct().ToList();
        Assert.Equal(["Component"], kinds);
        Assert.Empty(Directory.GetFiles(Path.Combine(Root, "components"), "*.yaml"));
        Assert.Empty(Directory.GetDirectories(Path.Combine(Root, "components")).Except(Sets.Append("common").Select(s => Path.Combine(Root, "components", s))));
    }

    [Fact]
    public void The_redis_and_kafka_sets_name_no_endpoint_and_read_it_from_the_environment()
    {
        foreach (var set in new[] { "redis", "kafka" })
        {
            foreach (var file in Directory.GetFiles(Path.Combine(Root, "components", set), "*.yaml"))
            {
                var text = File.ReadAllText(file);
                Assert.DoesNotContain("localhost", string.Join('\n', text.Split('\n').Where(l => !l.TrimStart().StartsWith('#'))), StringComparison.Ordinal);
            }
        }
        Assert.All(new[] { "pubsub", "statestore", "hubfanout", "identificationstore" }, name =>
            Assert.Contains("envRef: MTAEDA_REDIS_HOST", File.ReadAllText(Path.Combine(Root, "components", "redis", name + ".yaml")), StringComparison.Ordinal));
    }

    [Fact]
    public void The_run_files_of_the_local_runtime_and_the_dapr_cli_differ_only_in_their_component_set()
    {
        var local = RunFile.Load(Path.Combine(Root, "dapr.yaml"), new Dictionary<string, string>());
        var cli = RunFile.Load(Path.Combine(Root, "dapr.cli.yaml"), new Dictionary<string, string>());

        Assert.Equal(local.Select(a => a.AppId), cli.Select(a => a.AppId));
        foreach (var (one, other) in local.Zip(cli))
        {
            Assert.Equal([Path.Combine(Root, "components", "common"), Path.Combine(Root, "components", "memory")], one.Sidecar.ResourcesPaths);
            Assert.Equal([Path.Combine(Root, "components", "common"), Path.Combine(Root, "components", "redis")], other.Sidecar.ResourcesPaths);
            Assert.Equal(one.AppDirPath, other.AppDirPath);
            Assert.Equal(one.Command, other.Command);
            Assert.Equal(one.Env.OrderBy(e => e.Key, StringComparer.Ordinal), other.Env.OrderBy(e => e.Key, StringComparer.Ordinal));
            Assert.Equal(one.AppLogDestination, other.AppLogDestination);
            Assert.Equal(one.DaprdLogDestination, other.DaprdLogDestination);
            // Tokens are made per run; everything else of the sidecar is the same.
            Assert.Equal(one.Sidecar with { ResourcesPaths = [], ApiToken = null, AppApiToken = null }, other.Sidecar with { ResourcesPaths = [], ApiToken = null, AppApiToken = null });
            Assert.True(one.Sidecar.AppPort is null || one.Sidecar.EnableAppHealthCheck, $"{one.AppId}: app health checks are off, so daprd ignores appHealthCheckPath");
        }
    }

    /// <summary>The components of a set, read as daprd reads them (JSON: field names in any case) but without the runtime's type check.</summary>
    private static Dictionary<string, (string Kind, string[] Scopes, Dictionary<string, string> Metadata)> Components(string set)
    {
        var result = new Dictionary<string, (string, string[], Dictionary<string, string>)>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(Path.Combine(Root, "components", set), "*.yaml"))
        {
            var stream = new YamlStream();
            using (var reader = new StreamReader(file)) stream.Load(reader);
            foreach (var root in stream.Documents.Select(d => (YamlMappingNode)d.RootNode))
            {
                var name = ((YamlScalarNode)((YamlMappingNode)root["metadata"])["name"]).Value!;
                var spec = (YamlMappingNode)root["spec"];
                var type = ((YamlScalarNode)spec["type"]).Value!;
                var scopes = root.Children.TryGetValue("scopes", out var s) ? ((YamlSequenceNode)s).Children.Select(c => ((YamlScalarNode)c).Value!).ToArray() : [];
                var metadata = spec.Children.TryGetValue("metadata", out var m)
                    ? ((YamlSequenceNode)m).Children.Cast<YamlMappingNode>()
                        .Where(item => item.Children.ContainsKey("value"))
                        .ToDictionary(item => ((YamlScalarNode)item["name"]).Value!, item => ((YamlScalarNode)item["value"]).Value ?? "", StringComparer.Ordinal)
                    : [];
                Assert.False(result.ContainsKey(name), $"{set} declares '{name}' twice");
                result[name] = (type.Split('.')[0], scopes, metadata);
            }
        }
        return result;
    }

    private static string Kind(string file)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(file);
        stream.Load(reader);
        return string.Join(",", stream.Documents.Select(d => ((YamlScalarNode)((YamlMappingNode)d.RootNode)["kind"]).Value).Distinct());
    }
}
