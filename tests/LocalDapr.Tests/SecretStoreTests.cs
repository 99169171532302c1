using LocalDapr.Configuration;
using StackExchange.Redis;

namespace LocalDapr.Tests;

/// <summary>
/// Secret stores as daprd serves them: <c>secretstores.local.file</c> and <c>secretstores.local.env</c>, read by the
/// conformance app's own <c>DaprClient</c> (from DI, with the ports the sidecar gives it) over gRPC <c>GetSecret</c>/<c>GetBulkSecret</c>,
/// and over HTTP <c>/v1.0/secrets</c>; daprd's error codes, the <c>Configuration</c>'s secret scopes, and component
/// metadata given by <c>secretKeyRef</c>.
/// </summary>
public sealed class SecretStoreTests(RedisFixture redis) : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly string _dir = Directory.CreateTempSubdirectory("local-dapr-secrets-").FullName;
    private readonly HttpClient _http = Http.Client();

    public void Dispose()
    {
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private const string SecretsJson = """
        {
          "db": { "password": "p1", "hosts": ["a", "b"] },
          "token": "t0",
          "port": 6379,
          "on": true
        }
        """;

    private string SecretsFile(string json = SecretsJson)
    {
        var path = Path.Combine(_dir, $"secrets-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    /// <summary>A <c>secretstores.local.file</c> component over <paramref name="file"/>, with <paramref name="extra"/> metadata lines.</summary>
    internal static string FileStore(string name, string file, params (string Name, string Value)[] more) =>
        Harness.Component(name, "secretstores.local.file", [("secretsFile", file), .. more]);

    private async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string url)
    {
        using var response = await _http.GetAsync(url, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static Dictionary<string, string> Map(JsonElement element) =>
        element.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);

    [Fact]
    public async Task A_file_store_flattens_nested_values_into_keys_joined_with_a_colon_and_the_sdk_reads_them()
    {
        await using var harness = Harness.Create(FileStore("localsecrets", SecretsFile()));
        var node = await harness.AddAsync("reader");
        var app = node.AppEndpoint;

        var (status, body) = await GetAsync($"{app}/plain/secret/localsecrets/db:password");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(new Dictionary<string, string> { ["db:password"] = "p1" }, Map(body));
        Assert.Equal("b", Map((await GetAsync($"{app}/plain/secret/localsecrets/db:hosts:1")).Body)["db:hosts:1"]);
        // Go formats a non-string leaf with %s: what daprd gives for a number or a boolean.
        Assert.Equal("%!s(float64=6379)", Map((await GetAsync($"{app}/plain/secret/localsecrets/port")).Body)["port"]);
        Assert.Equal("%!s(bool=true)", Map((await GetAsync($"{app}/plain/secret/localsecrets/on")).Body)["on"]);

        var (bulkStatus, bulk) = await GetAsync($"{app}/plain/secrets/localsecrets");
        Assert.Equal(HttpStatusCode.OK, bulkStatus);
        var all = bulk.EnumerateObject().ToDictionary(p => p.Name, p => Map(p.Value));
        Assert.Equal(["db:hosts:0", "db:hosts:1", "db:password", "on", "port", "token"], all.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new Dictionary<string, string> { ["token"] = "t0" }, all["token"]);
    }

    [Fact]
    public async Task A_multi_valued_file_store_keeps_each_top_level_object_as_one_secret_with_its_own_separator()
    {
        await using var harness = Harness.Create(FileStore("multi", SecretsFile(), ("multiValued", "true"), ("nestedSeparator", ".")));
        var node = await harness.AddAsync("reader");

        var (status, db) = await GetAsync($"{node.HttpEndpoint}/v1.0/secrets/multi/db");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(new Dictionary<string, string> { ["password"] = "p1", ["hosts.0"] = "a", ["hosts.1"] = "b" }, Map(db));
        Assert.Equal(new Dictionary<string, string> { ["token"] = "t0" }, Map((await GetAsync($"{node.HttpEndpoint}/v1.0/secrets/multi/token")).Body));
        // A top-level number is neither a string nor an object: a multi-valued store leaves it out.
        var (missing, error) = await GetAsync($"{node.HttpEndpoint}/v1.0/secrets/multi/port");
        Assert.Equal(HttpStatusCode.InternalServerError, missing);
        Assert.Equal("failed getting secret with key port from secret store multi: secret port not found", error.GetProperty("message").GetString());

        var (_, bulk) = await GetAsync($"{node.HttpEndpoint}/v1.0/secrets/multi/bulk");
        Assert.Equal(["db", "token"], bulk.EnumerateObject().Select(p => p.Name));
        Assert.Equal("p1", bulk.GetProperty("db").GetProperty("password").GetString());

        // daprd lists the store's feature in its metadata.
        var metadata = await node.Client.GetMetadataAsync(Ct);
        Assert.Equal(["MULTIPLE_KEY_VALUES_PER_SECRET"], metadata.Components.Single(c => c.Name == "multi").Capabilities);
    }

    [Fact]
    public async Task Unknown_stores_and_secrets_get_daprds_codes_over_http_and_grpc()
    {
        await using var harness = Harness.Create(FileStore("localsecrets", SecretsFile()));
        var node = await harness.AddAsync("reader");
        var app = node.AppEndpoint;

        var (status, body) = await GetAsync($"{node.HttpEndpoint}/v1.0/secrets/nope/token");
        Http.AssertDaprError(status, body, HttpStatusCode.Unauthorized, "ERR_SECRET_STORE_NOT_FOUND", "failed finding secret store with key nope");
        (status, body) = await GetAsync($"{node.HttpEndpoint}/v1.0/secrets/localsecrets/absent");
        Http.AssertDaprError(status, body, HttpStatusCode.InternalServerError, "ERR_SECRET_GET", "failed getting secret with key absent from secret store localsecrets: secret absent not found");

        (status, body) = await GetAsync($"{app}/plain/secret/nope/token");
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Equal("InvalidArgument", body.GetProperty("status").GetString());
        Assert.Equal("failed finding secret store with key nope", body.GetProperty("detail").GetString());
        (_, body) = await GetAsync($"{app}/plain/secret/localsecrets/absent");
        Assert.Equal("Internal", body.GetProperty("status").GetString());
        (_, body) = await GetAsync($"{app}/plain/secrets/nope");
        Assert.Equal("InvalidArgument", body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Without_any_secret_store_a_read_is_refused_as_not_configured()
    {
        await using var harness = Harness.Create();
        var node = await harness.AddAsync("reader");

        var (status, body) = await GetAsync($"{node.HttpEndpoint}/v1.0/secrets/localsecrets/token");
        Http.AssertDaprError(status, body, HttpStatusCode.InternalServerError, "ERR_SECRET_STORES_NOT_CONFIGURED", "secret store is not configured");
        (_, body) = await GetAsync($"http://127.0.0.1:{node.Sidecar.Runtime.Options.AppPort}/plain/secret/localsecrets/token");
        Assert.Equal("FailedPrecondition", body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_configurations_secret_scopes_refuse_a_denied_key_and_leave_it_out_of_a_bulk_read()
    {
        var file = SecretsFile();
        await using var harness = Harness.Create(FileStore("allowlisted", file) + "---\n" + FileStore("denylisted", file) + """
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata: { name: appconfig }
            spec:
              secrets:
                scopes:
                - storeName: allowlisted
                  defaultAccess: deny
                  allowedSecrets: ["token", "port"]
                - storeName: denylisted
                  deniedSecrets: ["token"]
            """);
        var node = await harness.AddAsync("reader");
        var app = node.AppEndpoint;

        Assert.Equal("t0", Map((await GetAsync($"{node.HttpEndpoint}/v1.0/secrets/allowlisted/token")).Body)["token"]);
        var (status, body) = await GetAsync($"{node.HttpEndpoint}/v1.0/secrets/allowlisted/db:password");
        Http.AssertDaprError(status, body, HttpStatusCode.Forbidden, "ERR_PERMISSION_DENIED", "access denied by policy to get \"db:password\" from \"allowlisted\"");
        (_, body) = await GetAsync($"{app}/plain/secret/denylisted/token");
        Assert.Equal("PermissionDenied", body.GetProperty("status").GetString());
        Assert.Equal("p1", Map((await GetAsync($"{app}/plain/secret/denylisted/db:password")).Body)["db:password"]);

        var (_, allowed) = await GetAsync($"{app}/plain/secrets/allowlisted");
        Assert.Equal(["port", "token"], allowed.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        var (_, denied) = await GetAsync($"{node.HttpEndpoint}/v1.0/secrets/denylisted/bulk");
        Assert.DoesNotContain("token", denied.EnumerateObject().Select(p => p.Name));
        Assert.Contains("db:password", denied.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void A_secret_scope_with_an_unknown_default_access_or_a_repeated_store_is_refused_at_load()
    {
        File.WriteAllText(Path.Combine(_dir, "config.yaml"), """
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata: { name: appconfig }
            spec:
              secrets:
                scopes:
                - { storeName: s, defaultAccess: maybe }
            """);
        var e = Assert.Throws<ConfigurationException>(() => ResourceLoader.Load([_dir], "x"));
        Assert.Contains("defaultAccess maybe can be either allow or deny", e.Message, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(_dir, "config.yaml"), """
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata: { name: appconfig }
            spec:
              secrets:
                scopes:
                - { storeName: s }
                - { storeName: s, defaultAccess: deny }
            """);
        e = Assert.Throws<ConfigurationException>(() => ResourceLoader.Load([_dir], "x"));
        Assert.Contains("s storeName is repeated in secrets configuration", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_env_store_reads_the_sidecars_environment_after_its_prefix_and_never_gives_out_dapr_variables()
    {
        var prefix = $"MTAEDA_SECRET_{Guid.NewGuid():N}_";
        Environment.SetEnvironmentVariable(prefix + "API_KEY", "k-123");
        Environment.SetEnvironmentVariable("DAPR_SECRET_TEST_" + prefix, "hidden");
        try
        {
            await using var harness = Harness.Create(
                Harness.Component("prefixed", "secretstores.local.env", ("prefix", prefix)) + "---\n" + Harness.Component("env", "secretstores.local.env"));
            var node = await harness.AddAsync("reader");
            var app = node.AppEndpoint;

            Assert.Equal(new Dictionary<string, string> { ["API_KEY"] = "k-123" }, Map((await GetAsync($"{app}/plain/secret/prefixed/API_KEY")).Body));
            // An unset variable is an empty value, not an error.
            var (status, absent) = await GetAsync($"{app}/plain/secret/prefixed/NOT_SET");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(new Dictionary<string, string> { ["NOT_SET"] = "" }, Map(absent));
            var (_, bulk) = await GetAsync($"{node.HttpEndpoint}/v1.0/secrets/prefixed/bulk");
            Assert.Equal(["API_KEY"], bulk.EnumerateObject().Select(p => p.Name));

            Assert.Equal("", Map((await GetAsync($"{app}/plain/secret/env/DAPR_SECRET_TEST_{prefix}")).Body)[$"DAPR_SECRET_TEST_{prefix}"]);
            var (_, everything) = await GetAsync($"{node.HttpEndpoint}/v1.0/secrets/env/bulk");
            var names = everything.EnumerateObject().Select(p => p.Name).ToList();
            Assert.Contains(prefix + "API_KEY", names);
            Assert.DoesNotContain(names, n => n.StartsWith("DAPR_", StringComparison.OrdinalIgnoreCase) || n.Equals("APP_API_TOKEN", StringComparison.OrdinalIgnoreCase));
        }
        finally
        {
            Environment.SetEnvironmentVariable(prefix + "API_KEY", null);
            Environment.SetEnvironmentVariable("DAPR_SECRET_TEST_" + prefix, null);
        }
    }

    [Fact]
    public async Task A_redis_password_given_by_secret_key_ref_is_read_from_the_components_secret_store()
    {
        await using var server = await RedisServer.StartAsync(redis.RequireBinary());
        await using (var admin = await ConnectionMultiplexer.ConnectAsync($"{server.Endpoint},allowAdmin=true"))
            await admin.GetServer(server.Endpoint).ConfigSetAsync("requirepass", "s3cret-pw");
        var file = SecretsFile("""{ "redis": { "password": "s3cret-pw" } }""");
        string Components(string store) => FileStore("localsecrets", file, ("multiValued", "true")) + $$"""
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata: { name: statestore }
            spec:
              type: state.redis
              version: v1
              metadata:
              - { name: redisHost, value: "{{server.Endpoint}}" }
              - name: redisPassword
                secretKeyRef: { name: redis, key: {{store}} }
            auth:
              secretStore: localsecrets
            """;

        await using (var harness = Harness.Create(Components("password")))
        {
            var node = await harness.AddAsync("stateful", withApp: false);
            await node.Client.SaveStateAsync("statestore", "k", "kept", cancellationToken: Ct);
            Assert.Equal("kept", await node.Client.GetStateAsync<string>("statestore", "k", cancellationToken: Ct));
        }

        // A key the secret does not have leaves the value empty, as daprd does (and logs it): Redis refuses the connection.
        await using (var harness = Harness.Create(Components("nokey")))
        {
            var node = await harness.AddAsync("stateful", withApp: false);
            await Assert.ThrowsAsync<Dapr.DaprException>(() => node.Client.SaveStateAsync("statestore", "k", "kept", cancellationToken: Ct));
            Assert.Contains(harness.Logs.Entries, e => e.Message.Contains("secret redis in secret store localsecrets has no value for key nokey", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_secret_key_ref_without_a_loaded_secret_store_is_refused_at_start()
    {
        await using var harness = Harness.Create("""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata: { name: statestore }
            spec:
              type: state.in-memory
              version: v1
              metadata:
              - name: keyPrefix
                secretKeyRef: { name: prefix }
            auth:
              secretStore: vault
            """);
        var e = await Assert.ThrowsAsync<ConfigurationException>(() => harness.AddAsync("stateful", withApp: false));
        Assert.Contains("component 'statestore' references a secret store that isn't loaded: 'vault'", e.Message, StringComparison.Ordinal);
    }
}
