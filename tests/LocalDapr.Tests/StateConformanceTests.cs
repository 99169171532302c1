using System.Text;
using Dapr;
using Dapr.Client;
using Grpc.Core;
using Microsoft.Extensions.Time.Testing;

namespace LocalDapr.Tests;

/// <summary>Runs on both backends: <see cref="StateConformanceTests_InMemory"/> and <see cref="StateConformanceTests_Redis"/>.</summary>
public abstract class StateConformanceTests
{
    /// <summary>The backend this run of the suite uses.</summary>
    protected abstract Backend Backend { get; }

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected sealed record Counter(int Value);

    [Fact]
    public async Task Saved_state_reads_back_with_an_etag_that_changes_on_every_write()
    {
        await using var harness = Harness.Create(backend: Backend);
        var node = await harness.AddAsync("stateful", withApp: false);

        await node.Client.SaveStateAsync("statestore", "c1", new Counter(1), cancellationToken: Ct);
        var (value, etag1) = await node.Client.GetStateAndETagAsync<Counter>("statestore", "c1", cancellationToken: Ct);
        await node.Client.SaveStateAsync("statestore", "c1", new Counter(2), cancellationToken: Ct);
        var (value2, etag2) = await node.Client.GetStateAndETagAsync<Counter>("statestore", "c1", cancellationToken: Ct);

        Assert.Equal(new Counter(1), value);
        Assert.Equal(new Counter(2), value2);
        Assert.NotEqual(etag1, etag2);
        Assert.Null(await node.Client.GetStateAsync<Counter>("statestore", "absent", cancellationToken: Ct));
    }

    [Fact]
    public async Task A_stale_etag_is_refused_and_the_current_one_accepted()
    {
        await using var harness = Harness.Create(backend: Backend);
        var node = await harness.AddAsync("stateful", withApp: false);
        await node.Client.SaveStateAsync("statestore", "c", new Counter(1), cancellationToken: Ct);
        var (_, stale) = await node.Client.GetStateAndETagAsync<Counter>("statestore", "c", cancellationToken: Ct);
        await node.Client.SaveStateAsync("statestore", "c", new Counter(2), cancellationToken: Ct);
        var (_, current) = await node.Client.GetStateAndETagAsync<Counter>("statestore", "c", cancellationToken: Ct);

        Assert.False(await node.Client.TrySaveStateAsync("statestore", "c", new Counter(3), stale, cancellationToken: Ct));
        Assert.Equal(new Counter(2), await node.Client.GetStateAsync<Counter>("statestore", "c", cancellationToken: Ct));
        Assert.True(await node.Client.TrySaveStateAsync("statestore", "c", new Counter(3), current, cancellationToken: Ct));
        Assert.Equal(new Counter(3), await node.Client.GetStateAsync<Counter>("statestore", "c", cancellationToken: Ct));

        var (_, latest) = await node.Client.GetStateAndETagAsync<Counter>("statestore", "c", cancellationToken: Ct);
        Assert.False(await node.Client.TryDeleteStateAsync("statestore", "c", current, cancellationToken: Ct));
        Assert.True(await node.Client.TryDeleteStateAsync("statestore", "c", latest, cancellationToken: Ct));
        Assert.Null(await node.Client.GetStateAsync<Counter>("statestore", "c", cancellationToken: Ct));
    }

    [Fact]
    public async Task Transactions_apply_every_operation_or_none()
    {
        await using var harness = Harness.Create(backend: Backend);
        var node = await harness.AddAsync("stateful", withApp: false);
        await node.Client.SaveStateAsync("statestore", "a", new Counter(1), cancellationToken: Ct);
        await node.Client.SaveStateAsync("statestore", "gone", new Counter(9), cancellationToken: Ct);

        await node.Client.ExecuteStateTransactionAsync("statestore",
        [
            new StateTransactionRequest("a", Bytes(new Counter(2)), StateOperationType.Upsert),
            new StateTransactionRequest("b", Bytes(new Counter(3)), StateOperationType.Upsert),
            new StateTransactionRequest("gone", null, StateOperationType.Delete),
        ], cancellationToken: Ct);
        Assert.Equal(new Counter(2), await node.Client.GetStateAsync<Counter>("statestore", "a", cancellationToken: Ct));
        Assert.Equal(new Counter(3), await node.Client.GetStateAsync<Counter>("statestore", "b", cancellationToken: Ct));
        Assert.Null(await node.Client.GetStateAsync<Counter>("statestore", "gone", cancellationToken: Ct));

        // The second operation's etag does not match, so the first must not be applied either.
        var e = await Assert.ThrowsAsync<DaprException>(() => node.Client.ExecuteStateTransactionAsync("statestore",
        [
            new StateTransactionRequest("a", Bytes(new Counter(100)), StateOperationType.Upsert),
            new StateTransactionRequest("b", Bytes(new Counter(100)), StateOperationType.Upsert, etag: "12345"),
        ], cancellationToken: Ct));
        var rpc = Assert.IsType<RpcException>(e.InnerException);
        Assert.Equal(StatusCode.Internal, rpc.StatusCode);
        Assert.StartsWith("error while executing state transaction: ", rpc.Status.Detail);
        Assert.Equal(new Counter(2), await node.Client.GetStateAsync<Counter>("statestore", "a", cancellationToken: Ct));
    }

    [Fact]
    public async Task Bulk_get_returns_each_key_with_its_etag()
    {
        await using var harness = Harness.Create(backend: Backend);
        var node = await harness.AddAsync("stateful", withApp: false);
        await node.Client.SaveBulkStateAsync("statestore",
        [
            new SaveStateItem<Counter>("k1", new Counter(1), ""),
            new SaveStateItem<Counter>("k2", new Counter(2), ""),
        ], Ct);

        var items = await node.Client.GetBulkStateAsync<Counter>("statestore", ["k1", "k2", "k3"], parallelism: 2, cancellationToken: Ct);

        Assert.Equal(new Counter(1), items.Single(i => i.Key == "k1").Value);
        Assert.Equal(new Counter(2), items.Single(i => i.Key == "k2").Value);
        Assert.False(string.IsNullOrEmpty(items.Single(i => i.Key == "k1").ETag));
        Assert.Null(items.Single(i => i.Key == "k3").Value);
    }

    [Fact]
    public async Task Keys_are_stored_under_the_app_id_so_apps_do_not_see_each_other()
    {
        await using var harness = Harness.Create(backend: Backend);
        var one = await harness.AddAsync("one", withApp: false);
        var two = await harness.AddAsync("two", withApp: false);

        await one.Client.SaveStateAsync("statestore", "shared", new Counter(1), cancellationToken: Ct);
        await two.Client.SaveStateAsync("statestore", "shared", new Counter(2), cancellationToken: Ct);

        Assert.Equal(new Counter(1), await one.Client.GetStateAsync<Counter>("statestore", "shared", cancellationToken: Ct));
        Assert.Equal(new Counter(2), await two.Client.GetStateAsync<Counter>("statestore", "shared", cancellationToken: Ct));
        var store = one.Sidecar.Runtime.Store("statestore").Store;
        var entry = await store.GetAsync("one||shared", Ct);
        Assert.Equal("""{"value":1}""", Encoding.UTF8.GetString(entry!.Value));
    }

    [Fact]
    public async Task Bad_store_names_and_keys_get_daprds_errors()
    {
        await using var harness = Harness.Create(backend: Backend);
        var node = await harness.AddAsync("stateful", withApp: false);

        var unknown = await Assert.ThrowsAsync<DaprException>(() => node.Client.GetStateAsync<Counter>("nope", "k", cancellationToken: Ct));
        var rpc = Assert.IsType<RpcException>(unknown.InnerException);
        Assert.Equal(StatusCode.InvalidArgument, rpc.StatusCode);
        Assert.Equal("state store nope is not found", rpc.Status.Detail);

        var badKey = await Assert.ThrowsAsync<DaprException>(() => node.Client.SaveStateAsync("statestore", "a||b", new Counter(1), cancellationToken: Ct));
        Assert.Equal("input key/keyPrefix 'a||b' can't contain '||'", Assert.IsType<RpcException>(badKey.InnerException).Status.Detail);
    }

    [Fact]
    public async Task The_http_state_api_matches_the_grpc_one()
    {
        await using var harness = Harness.Create(backend: Backend);
        var node = await harness.AddAsync("stateful", withApp: false);
        using var http = Http.Client();

        using var save = await http.PostAsync($"{node.HttpEndpoint}/v1.0/state/statestore",
            new StringContent("""[{"key":"h","value":{"value":5}}]""", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(204, (int)save.StatusCode);
        using var get = await http.GetAsync($"{node.HttpEndpoint}/v1.0/state/statestore/h", Ct);
        Assert.Equal("""{"value":5}""", await get.Content.ReadAsStringAsync(Ct));
        Assert.Equal(new Counter(5), await node.Client.GetStateAsync<Counter>("statestore", "h", cancellationToken: Ct));
        using var missing = await http.GetAsync($"{node.HttpEndpoint}/v1.0/state/nope/h", Ct);
        Assert.Equal(400, (int)missing.StatusCode);
        Assert.Contains("ERR_STATE_STORE_NOT_FOUND", await missing.Content.ReadAsStringAsync(Ct));
    }

    protected static byte[] Bytes(Counter counter) => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(counter, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web));
}

public sealed class StateConformanceTests_InMemory : StateConformanceTests
{
    protected override Backend Backend => Backend.InMemory;

    // state.in-memory: ETags are opaque, so an ETag of any form that is not the current one is a mismatch, never invalid.
    [Theory]
    [InlineData("not-a-version")]
    [InlineData("1")]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    public async Task Any_etag_that_is_not_the_current_one_is_a_mismatch_over_grpc_and_http(string etag)
    {
        await using var harness = Harness.Create(backend: Backend);
        var node = await harness.AddAsync("stateful", withApp: false);
        await node.Client.SaveStateAsync("statestore", "c", new Counter(1), cancellationToken: Ct);
        var (_, current) = await node.Client.GetStateAndETagAsync<Counter>("statestore", "c", cancellationToken: Ct);
        Assert.True(Guid.TryParse(current, out _), current);

        // The SDK's Try* calls answer false on Aborted, the mismatch code; the raw call shows daprd's message.
        Assert.False(await node.Client.TrySaveStateAsync("statestore", "c", new Counter(2), etag, cancellationToken: Ct));
        Assert.False(await node.Client.TryDeleteStateAsync("statestore", "c", etag, cancellationToken: Ct));
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(node.GrpcEndpoint);
        var raw = new Dapr.Client.Autogen.Grpc.v1.Dapr.DaprClient(channel);
        var save = new Dapr.Client.Autogen.Grpc.v1.SaveStateRequest { StoreName = "statestore" };
        save.States.Add(new Dapr.Client.Autogen.Grpc.v1.StateItem { Key = "c", Value = Google.Protobuf.ByteString.CopyFromUtf8("2"), Etag = new Dapr.Client.Autogen.Grpc.v1.Etag { Value = etag } });
        var rpc = await Assert.ThrowsAsync<RpcException>(async () => await raw.SaveStateAsync(save, cancellationToken: Ct));
        Assert.Equal(StatusCode.Aborted, rpc.StatusCode);
        Assert.Equal($"failed saving state in state store statestore: possible etag mismatch. error from state store: state etag not match for key=stateful||c: current={current}, expect={etag}", rpc.Status.Detail);

        using var http = Http.Client();
        using var saved = await http.PostAsync($"{node.HttpEndpoint}/v1.0/state/statestore",
            new StringContent($$"""[{"key":"c","value":2,"etag":"{{etag}}"}]""", Encoding.UTF8, "application/json"), Ct);
        await saved.AssertDaprErrorAsync(System.Net.HttpStatusCode.Conflict, "ERR_STATE_SAVE", rpc.Status.Detail);
        using var delete = new HttpRequestMessage(HttpMethod.Delete, $"{node.HttpEndpoint}/v1.0/state/statestore/c");
        delete.Headers.TryAddWithoutValidation("If-Match", etag);
        using var deleted = await http.SendAsync(delete, Ct);
        Assert.Equal(System.Net.HttpStatusCode.Conflict, deleted.StatusCode);
        Assert.Equal(new Counter(1), await node.Client.GetStateAsync<Counter>("statestore", "c", cancellationToken: Ct));
    }

    [Fact]
    public async Task An_etag_on_an_absent_key_is_a_mismatch_and_first_write_refuses_to_overwrite_without_an_etag()
    {
        await using var harness = Harness.Create(backend: Backend);
        var node = await harness.AddAsync("stateful", withApp: false);
        var firstWrite = new StateOptions { Concurrency = ConcurrencyMode.FirstWrite };

        Assert.False(await node.Client.TrySaveStateAsync("statestore", "never", new Counter(1), "some-etag", cancellationToken: Ct));
        using var http = Http.Client();
        using var absent = await http.PostAsync($"{node.HttpEndpoint}/v1.0/state/statestore",
            new StringContent("""[{"key":"never","value":1,"etag":"some-etag"}]""", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(System.Net.HttpStatusCode.Conflict, absent.StatusCode);
        Assert.Contains("failed saving state in state store statestore: possible etag mismatch. error from state store: state not exist or expired for key=stateful||never",
            await absent.Content.ReadAsStringAsync(Ct));

        await node.Client.SaveStateAsync("statestore", "once", new Counter(1), firstWrite, cancellationToken: Ct);
        var e = await Assert.ThrowsAsync<DaprException>(() => node.Client.SaveStateAsync("statestore", "once", new Counter(2), firstWrite, cancellationToken: Ct));
        var rpc = Assert.IsType<RpcException>(e.InnerException);
        Assert.Equal(StatusCode.Aborted, rpc.StatusCode);
        Assert.Equal("failed saving state in state store statestore: possible etag mismatch. error from state store: item already exists and no etag was passed", rpc.Status.Detail);
        Assert.Equal(new Counter(1), await node.Client.GetStateAsync<Counter>("statestore", "once", cancellationToken: Ct));
    }

    // In-memory only: the test moves a manual clock, which Redis (expiring keys on its own clock) cannot follow.
    // RedisBackendTests.State_with_a_ttl_expires_in_redis covers TTLs on Redis in real time.
    [Fact]
    public async Task State_with_a_ttl_expires()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var harness = Harness.Create(time: clock);
        var node = await harness.AddAsync("stateful", withApp: false);

        await node.Client.SaveStateAsync("statestore", "short", new Counter(1), metadata: new Dictionary<string, string> { ["ttlInSeconds"] = "60" }, cancellationToken: Ct);
        Assert.NotNull(await node.Client.GetStateAsync<Counter>("statestore", "short", cancellationToken: Ct));
        clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Null(await node.Client.GetStateAsync<Counter>("statestore", "short", cancellationToken: Ct));
    }
}

public sealed class StateConformanceTests_Redis(RedisFixture redis) : StateConformanceTests
{
    protected override Backend Backend => redis.Backend;

    // state.redis: ETags are versions; a save's ETag is read with strconv.Atoi, so one that is no integer is invalid.
    [Fact]
    public async Task A_non_numeric_etag_on_a_save_is_an_invalid_argument_in_atois_words_and_on_a_delete_a_mismatch()
    {
        await using var harness = Harness.Create(backend: Backend);
        var node = await harness.AddAsync("stateful", withApp: false);
        await node.Client.SaveStateAsync("statestore", "c", new Counter(1), cancellationToken: Ct);

        var e = await Assert.ThrowsAsync<DaprException>(() => node.Client.TrySaveStateAsync("statestore", "c", new Counter(2), "not-a-version", cancellationToken: Ct));
        var rpc = Assert.IsType<RpcException>(e.InnerException);
        Assert.Equal(StatusCode.InvalidArgument, rpc.StatusCode);
        Assert.Equal("failed saving state in state store statestore: invalid etag value: strconv.Atoi: parsing \"not-a-version\": invalid syntax", rpc.Status.Detail);
        Assert.False(await node.Client.TryDeleteStateAsync("statestore", "c", "not-a-version", cancellationToken: Ct));
    }

    // state.redis: an ETag on an absent key does not stop a save or a delete; a save without an ETag is refused (as a
    // plain error) only over a key last saved with first-write concurrency.
    [Fact]
    public async Task An_etag_on_an_absent_key_passes_and_first_write_refuses_only_over_a_first_write_key()
    {
        await using var harness = Harness.Create(backend: Backend);
        var node = await harness.AddAsync("stateful", withApp: false);
        var firstWrite = new StateOptions { Concurrency = ConcurrencyMode.FirstWrite };

        Assert.True(await node.Client.TrySaveStateAsync("statestore", "fresh", new Counter(1), "42", cancellationToken: Ct));
        Assert.True(await node.Client.TryDeleteStateAsync("statestore", "never", "42", cancellationToken: Ct));

        await node.Client.SaveStateAsync("statestore", "last", new Counter(1), cancellationToken: Ct);
        await node.Client.SaveStateAsync("statestore", "last", new Counter(2), firstWrite, cancellationToken: Ct);
        var e = await Assert.ThrowsAsync<DaprException>(() => node.Client.SaveStateAsync("statestore", "last", new Counter(3), firstWrite, cancellationToken: Ct));
        var rpc = Assert.IsType<RpcException>(e.InnerException);
        Assert.Equal(StatusCode.Internal, rpc.StatusCode);
        Assert.StartsWith("failed saving state in state store statestore: failed to set key stateful||last", rpc.Status.Detail);
        Assert.Equal(new Counter(2), await node.Client.GetStateAsync<Counter>("statestore", "last", cancellationToken: Ct));
    }
}
