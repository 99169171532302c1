using System.Text.Json.Nodes;

namespace Mtaeda.Deploy.Tests;

/// <summary>
/// Every metadata item of a <c>state.postgresql</c> component, in components/kafka and in the chart's
/// <c>stateStore: postgresql</c>, is a name the component of its version reads: a misspelt name is ignored by daprd
/// without a word (the table would silently be Dapr's default).
/// </summary>
public sealed class PostgresMetadataTests
{
    // dapr/components-contrib, state/postgresql/v1/metadata.yaml and state/postgresql/v2/metadata.yaml
    // (commit c23900d2760de2061143587c16c5e30ab3f092cf): the component's own metadata, its authentication profiles'
    // (connectionString, useAzureAD, useAWSIAM, awsAccessKey, awsSecretKey) and the fields of its connection.
    private static readonly string[] Common =
    [
        "connectionString", "useAzureAD", "useAWSIAM", "awsAccessKey", "awsSecretKey", "timeout", "metadataTableName",
        "cleanupInterval", "maxConns", "connectionMaxIdleTime", "queryExecMode", "host", "hostaddr", "port", "database",
        "user", "password", "sslRootCert",
    ];

    private static readonly Dictionary<string, string[]> ContribNames = new()
    {
        ["v1"] = [.. Common, "tableName"],  // v1: one table, named whole
        ["v2"] = [.. Common, "tablePrefix"], // v2: a prefix of its table "<prefix>state"
    };

    // Read by daprd itself for every state store, not by the component (Dapr's docs: "Actor state store" and
    // "How-To: Encrypt application state"; dapr/dapr's state processor and pkg/encryption).
    private static readonly string[] RuntimeNames = ["actorStateStore", "keyPrefix", "primaryEncryptionKey", "secondaryEncryptionKey"];

    public static TheoryData<string> Sources => new(["components/kafka", "chart: stateStore=postgresql", "chart: stateStore=postgresql, secondary key"]);

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task Every_metadata_name_is_one_the_postgresql_component_of_its_version_declares(string source)
    {
        var components = await PostgresComponentsAsync(source);
        Assert.Equal(["identificationstore", "statestore"], components.Select(c => (string)c["metadata"]!["name"]!).Order(StringComparer.Ordinal));
        foreach (var component in components)
        {
            var version = (string)component["spec"]!["version"]!;
            Assert.True(ContribNames.TryGetValue(version, out var known), $"state.postgresql has no version {version}");
            foreach (var item in component["spec"]!["metadata"]!.AsArray().OfType<JsonObject>())
            {
                var name = (string)item["name"]!;
                Assert.True(known.Contains(name, StringComparer.Ordinal) || RuntimeNames.Contains(name, StringComparer.Ordinal),
                    $"{source}: {component["metadata"]!["name"]} (state.postgresql {version}) has metadata '{name}', which neither the component nor daprd reads");
            }
        }
    }

    [Fact]
    public async Task The_two_stores_keep_their_rows_in_tables_of_their_own()
    {
        // v2's table is <tablePrefix>state: two stores with the same prefix would share one table.
        foreach (var source in Sources.Select(s => s.Data))
        {
            var prefixes = (await PostgresComponentsAsync(source)).Select(c => DaprMetadata.Value(c, "tablePrefix") ?? "").ToArray();
            Assert.Equal(prefixes.Length, prefixes.Distinct(StringComparer.Ordinal).Count());
        }
    }

    private static async Task<List<JsonObject>> PostgresComponentsAsync(string source)
    {
        IEnumerable<JsonObject> resources = source switch
        {
            "components/kafka" => RepositoryComponents.All().Where(r => r.File.StartsWith($"components{Path.DirectorySeparatorChar}kafka", StringComparison.Ordinal)).Select(r => r.Resource),
            "chart: stateStore=postgresql" => (await Chart.RenderAsync("stateStore=postgresql")).Objects,
            _ => (await Chart.RenderAsync("stateStore=postgresql", "identification.secondaryKey=secondary")).Objects,
        };
        return [.. resources.Where(r => (string?)r["kind"] == "Component" && (string?)r["spec"]?["type"] == "state.postgresql")];
    }
}
