using System.Text;
using Dapr;
using Grpc.Core;
using LocalDapr.Configuration;
using LocalDapr.State;
using StackExchange.Redis;

namespace LocalDapr.Tests;

/// <summary>
/// Automatic state encryption as daprd does it: <c>primaryEncryptionKey</c>/<c>secondaryEncryptionKey</c> by
/// <c>secretKeyRef</c>, AES-GCM, the record <c>base64(nonce ‖ ciphertext ‖ tag)||{key name}</c>, reads with the key the
/// record names (rotation), daprd's error for a record the key cannot open.
/// </summary>
public sealed class StateEncryptionTests(RedisFixture redis) : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Key1 = "6f3c1a2b4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8";
    private const string Key2 = "00112233445566778899aabbccddeeff";

    private readonly string _dir = Directory.CreateTempSubdirectory("local-dapr-encryption-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed record Reading(string Station, int Count);

    private string Secrets(string json)
    {
        var path = Path.Combine(_dir, $"keys-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    /// <summary>A secret store and a state store whose keys come from it (<paramref name="store"/>: the type and its own metadata lines).</summary>
    private static string Components(string secretsFile, string store, string keys) => SecretStoreTests.FileStore("localsecrets", secretsFile) + $$"""
        ---
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata: { name: statestore }
        spec:
          {{store}}
          {{keys}}
        auth:
          secretStore: localsecrets
        """;

    private const string InMemory = """
        type: state.in-memory
          version: v1
          metadata:
        """;

    private string OnRedis(int database) => $$"""
        type: state.redis
          version: v1
          metadata:
          - { name: redisHost, value: "{{redis.RequireEndpoint()}}" }
          - { name: redisDB, value: "{{database}}" }
        """;

    private static string Primary(string secret) => $"- {{ name: primaryEncryptionKey, secretKeyRef: {{ name: {secret} }} }}";

    private static string Both(string primary, string secondary) =>
        Primary(primary) + $"\n  - {{ name: secondaryEncryptionKey, secretKeyRef: {{ name: {secondary} }} }}";

    [Fact]
    public async Task Saved_values_are_stored_sealed_under_the_primary_keys_name_and_read_back_plain_by_every_api()
    {
        await using var harness = Harness.Create(Components(Secrets($$"""{ "state-key-1": "{{Key1}}" }"""), InMemory, Primary("state-key-1")));
        var node = await harness.AddAsync("meters", withApp: false);
        var store = node.Sidecar.Runtime.Store("statestore").Store;

        await node.Client.SaveStateAsync("statestore", "r1", new Reading("st-001", 7), cancellationToken: Ct);
        await node.Client.ExecuteStateTransactionAsync("statestore", [new Dapr.Client.StateTransactionRequest("r2", JsonBytes(new Reading("st-002", 9)), Dapr.Client.StateOperationType.Upsert)], cancellationToken: Ct);

        foreach (var key in new[] { "meters||r1", "meters||r2" })
        {
            var raw = Encoding.UTF8.GetString((await store.GetAsync(key, Ct))!.Value);
            Assert.EndsWith("||state-key-1", raw, StringComparison.Ordinal);
            Assert.DoesNotContain("st-00", raw, StringComparison.Ordinal);
            // nonce (12) + ciphertext + tag (16), base64.
            var sealedBytes = Convert.FromBase64String(raw[..raw.LastIndexOf("||", StringComparison.Ordinal)]);
            Assert.True(sealedBytes.Length > 28);
        }
        // A fresh nonce each time: the same value saved twice is stored differently.
        var before = (await store.GetAsync("meters||r1", Ct))!.Value;
        await node.Client.SaveStateAsync("statestore", "r1", new Reading("st-001", 7), cancellationToken: Ct);
        Assert.NotEqual(before, (await store.GetAsync("meters||r1", Ct))!.Value);

        Assert.Equal(new Reading("st-001", 7), await node.Client.GetStateAsync<Reading>("statestore", "r1", cancellationToken: Ct));
        var bulk = await node.Client.GetBulkStateAsync<Reading>("statestore", ["r1", "r2", "absent"], parallelism: 1, cancellationToken: Ct);
        Assert.Equal(new Reading("st-002", 9), bulk.Single(b => b.Key == "r2").Value);
        using var http = Http.Client();
        Assert.Equal("""{"station":"st-001","count":7}""", await http.GetStringAsync($"{node.HttpEndpoint}/v1.0/state/statestore/r1", Ct));
        // Deleting needs no key.
        await node.Client.DeleteStateAsync("statestore", "r1", cancellationToken: Ct);
        Assert.Null(await node.Client.GetStateAsync<Reading>("statestore", "r1", cancellationToken: Ct));
    }

    [Fact]
    public async Task A_record_sealed_elsewhere_in_daprds_format_opens_with_its_key()
    {
        // Made with Python's cryptography AESGCM: key 00..1f, nonce a1..ac, plaintext {"value":42}, key name "vector-key".
        const string record = "oaKjpKWmp6ipqqusXc3xDpggW020SoANdPuqYrNnCKzb07X7A7GD0g==||vector-key";
        await using var harness = Harness.Create(Components(
            Secrets("""{ "vector-key": "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" }"""), InMemory, Primary("vector-key")));
        var node = await harness.AddAsync("meters", withApp: false);
        await node.Sidecar.Runtime.Store("statestore").Store.WriteAsync([new StateWrite("meters||v", Encoding.UTF8.GetBytes(record), null, Concurrency.LastWrite, null)], Ct);

        using var http = Http.Client();
        Assert.Equal("""{"value":42}""", await http.GetStringAsync($"{node.HttpEndpoint}/v1.0/state/statestore/v", Ct));
    }

    [Fact]
    public async Task On_redis_the_stored_bytes_are_sealed_a_rotated_key_still_reads_them_and_a_wrong_key_gets_daprds_error()
    {
        var database = redis.NextDatabase();
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.RequireEndpoint());
        var db = mux.GetDatabase(database);
        var keys = Secrets($$"""{ "key-2026-11": "{{Key1}}", "key-2026-12": "{{Key2}}" }""");

        await using (var harness = Harness.Create(Components(keys, OnRedis(database), Primary("key-2026-11"))))
        {
            var node = await harness.AddAsync("meters", withApp: false);
            await node.Client.SaveStateAsync("statestore", "old", new Reading("st-001", 1), cancellationToken: Ct);
        }
        var stored = (string)(await db.HashGetAsync("meters||old", "data"))!;
        Assert.EndsWith("||key-2026-11", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("st-001", stored, StringComparison.Ordinal);

        // Rotation: the new key writes, the old one (now secondary) still reads what it sealed.
        await using (var harness = Harness.Create(Components(keys, OnRedis(database), Both("key-2026-12", "key-2026-11"))))
        {
            var node = await harness.AddAsync("meters", withApp: false);
            Assert.Equal(new Reading("st-001", 1), await node.Client.GetStateAsync<Reading>("statestore", "old", cancellationToken: Ct));
            await node.Client.SaveStateAsync("statestore", "new", new Reading("st-002", 2), cancellationToken: Ct);
        }
        Assert.EndsWith("||key-2026-12", (string)(await db.HashGetAsync("meters||new", "data"))!, StringComparison.Ordinal);

        // The same key name with other key bytes: AES-GCM's tag does not match.
        var wrong = Secrets($$"""{ "key-2026-12": "{{new string('a', 64)}}" }""");
        await using (var harness = Harness.Create(Components(wrong, OnRedis(database), Primary("key-2026-12"))))
        {
            var node = await harness.AddAsync("meters", withApp: false);
            var e = await Assert.ThrowsAsync<DaprException>(() => node.Client.GetStateAsync<Reading>("statestore", "new", cancellationToken: Ct));
            var rpc = Assert.IsType<RpcException>(e.InnerException);
            Assert.Equal(StatusCode.Internal, rpc.StatusCode);
            Assert.Equal("fail to get new from state store statestore: cipher: message authentication failed", rpc.Status.Detail);

            using var http = Http.Client();
            using var response = await http.GetAsync($"{node.HttpEndpoint}/v1.0/state/statestore/new", Ct);
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            Assert.Contains("\"errorCode\":\"ERR_STATE_GET\"", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

            // In a bulk read the failure is the item's error, in the cipher's words.
            var bulk = await http.PostAsync($"{node.HttpEndpoint}/v1.0/state/statestore/bulk", new StringContent("""{"keys":["new"]}"""), Ct);
            Assert.Contains("\"error\":\"cipher: message authentication failed\"", await bulk.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("{ \"k\": \"zz112233445566778899aabbccddeeff\" }", "encoding/hex: invalid byte: U+007A 'z'")]
    [InlineData("{ \"k\": \"00112233445566778899\" }", "crypto/aes: invalid key size 10")]
    [InlineData("{ \"k\": \"\" }", "failed to extract encryption key: failed to extract encryption key: encryption key cannot be empty")]
    public async Task A_key_that_cannot_be_used_stops_the_store_from_starting(string secrets, string error)
    {
        await using var harness = Harness.Create(Components(Secrets(secrets), InMemory, Primary("k")));
        var e = await Assert.ThrowsAsync<ConfigurationException>(() => harness.AddAsync("meters", withApp: false));
        Assert.Contains(error, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_secret_store_a_plain_key_leaves_the_store_unencrypted_as_daprd_does()
    {
        await using var harness = Harness.Create(Harness.Component("statestore", "state.in-memory", ("primaryEncryptionKey", Key2)));
        var node = await harness.AddAsync("meters", withApp: false);
        await node.Client.SaveStateAsync("statestore", "r", new Reading("st-003", 3), cancellationToken: Ct);
        Assert.Contains("st-003", Encoding.UTF8.GetString((await node.Sidecar.Runtime.Store("statestore").Store.GetAsync("meters||r", Ct))!.Value), StringComparison.Ordinal);
    }

    private static byte[] JsonBytes<T>(T value) => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(value, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web));
}
