using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Mtaeda.Deploy.Tests;

/// <summary>No secret value is ever rendered: connection settings, keys and tokens come from Kubernetes Secrets by
/// secretKeyRef, and secrets given as values (where an operator might try) appear nowhere in what the chart renders.</summary>
public sealed partial class ChartSecretsTests
{
    // Known dummy secrets, set where an operator might put them: they must not reach any rendered object.
    private static readonly string[] DummySecrets =
    [
        "kafka.password=dummy-kafka-password-5f1c", "kafka.brokers=dummy-kafka-broker-5f1c:9093", "kafka.username=dummy-kafka-user-5f1c",
        "redis.password=dummy-redis-password-5f1c", "redis.host=dummy-redis-host-5f1c:6380",
        "postgresql.connectionString=dummy-postgres-5f1c", "cosmosdb.masterKey=dummy-cosmos-key-5f1c", "cosmosdb.url=https://dummy-cosmos-5f1c",
        "identification.primary=dummy-identification-key-5f1c", "dapr.tokens.appToken=dummy-app-token-5f1c", "dapr.tokens.apiToken=dummy-api-token-5f1c",
        "dashboard.clientSecret=dummy-oidc-secret-5f1c",
    ];

    [Theory]
    [InlineData("kafka", "redis", "password")]
    [InlineData("redis", "postgresql", "none")]
    [InlineData("kafka", "cosmosdb", "password")]
    public async Task No_secret_value_appears_in_any_rendered_object(string broker, string store, string kafkaAuth)
    {
        // Without the schema (which refuses them, below), the templates still render none of them.
        var rendered = await Chart.RenderAsync(["values.yaml"], [.. DummySecrets, $"broker={broker}", $"stateStore={store}", $"kafka.authType={kafkaAuth}", "apps.simulator.enabled=true"], checkSchema: false);
        Assert.DoesNotContain("5f1c", rendered.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(rendered.Objects, o => (string?)o["kind"] is "Secret" or "ConfigMap");
    }

    [Fact]
    public async Task Secrets_given_as_values_are_refused_by_the_values_schema()
    {
        Chart.RequireHelm();
        var refused = await Chart.RunAsync(Chart.Helm!, ["template", "mtaeda", Chart.Directory, "--set", string.Join(',', DummySecrets)], Chart.Root);
        Assert.NotEqual(0, refused.ExitCode);
        foreach (var secret in DummySecrets)
        {
            var path = secret[..secret.IndexOf('=', StringComparison.Ordinal)];
            var parent = "/" + string.Join('/', path.Split('.')[..^1]);
            var line = refused.Error.Split('\n').FirstOrDefault(l => l.Contains($"at '{parent}': additional properties", StringComparison.Ordinal));
            Assert.True(line is not null && line.Contains($"'{path.Split('.')[^1]}'", StringComparison.Ordinal), $"{path} was not refused:\n{refused.Error}");
        }
    }

    [Fact]
    public void No_template_reads_the_cluster()
    {
        // lookup would read live objects (Secrets among them) at install time into the rendered manifests.
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Chart.Directory, "templates")))
            Assert.DoesNotMatch(@"\blookup\b", File.ReadAllText(file));
    }

    [Theory]
    [InlineData("kafka", "redis", "password")]
    [InlineData("redis", "postgresql", "none")]
    [InlineData("kafka", "cosmosdb", "password")]
    public async Task Connection_settings_keys_and_tokens_come_only_from_secrets(string broker, string store, string kafkaAuth)
    {
        var rendered = await Chart.RenderAsync($"broker={broker}", $"stateStore={store}", $"kafka.authType={kafkaAuth}", "apps.simulator.enabled=true");
        var plain = new List<string>();
        foreach (var component in rendered.OfKind("Component"))
            foreach (var item in component["spec"]!["metadata"]!.AsArray().OfType<JsonObject>())
                if (SecretName().IsMatch((string)item["name"]!) && item["secretKeyRef"] is null)
                    plain.Add($"Component {component["metadata"]!["name"]}: {item["name"]}");
        foreach (var workload in rendered.Workloads)
            foreach (var container in workload["spec"]!["template"]!["spec"]!["containers"]!.AsArray().OfType<JsonObject>())
                foreach (var env in container["env"]!.AsArray().OfType<JsonObject>())
                    if (SecretEnv().IsMatch((string)env["name"]!) && env["valueFrom"]?["secretKeyRef"] is null)
                        plain.Add($"{workload["metadata"]!["name"]}: env {env["name"]}");
        Assert.True(plain.Count == 0, "given as plain values:\n" + string.Join('\n', plain));
    }

    // Dapr metadata that connects or authenticates (Kafka, Redis, PostgreSQL, Cosmos DB, encryption keys).
    [GeneratedRegex("^(brokers|saslUsername|saslPassword|redisHost|redisPassword|redisUsername|connectionString|url|masterKey|.*EncryptionKey)$")]
    private static partial Regex SecretName();

    [GeneratedRegex("(TOKEN|PASSWORD|SECRET|BROKERS|ClientSecret|_KEY)$")]
    private static partial Regex SecretEnv();
}
