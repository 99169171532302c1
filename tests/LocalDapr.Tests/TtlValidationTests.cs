using System.Text;
using Dapr;
using Dapr.Client;
using Grpc.Core;

namespace LocalDapr.Tests;

/// <summary>
/// <c>ttlInSeconds</c> answered as daprd and its components answer it: the in-memory store reads it with Go's
/// <c>strconv.Atoi</c> (a negative value: no expiry), the Redis store with <c>strconv.ParseInt</c> (zero or less: no
/// expiry, <c>PERSIST</c>); a value that is not a whole number fails the save (ERR_STATE_SAVE, gRPC Internal) or the
/// transaction (ERR_STATE_TRANSACTION) with the component's message. Runs on both backends.
/// </summary>
public abstract class TtlValidationTests
{
    protected abstract Backend Backend { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string ComponentError(string value) => Backend.IsRedis
        ? $"failed to parse ttl from metadata: strconv.ParseInt: parsing \"{value}\": invalid syntax"
        : $"strconv.Atoi: parsing \"{value}\": invalid syntax";

    [Theory]
    [InlineData("NaN")]
    [InlineData("1.5")]
    [InlineData("ten")]
    public async Task A_ttl_that_is_not_a_whole_number_fails_the_save_with_the_components_error(string ttl)
    {
        await using var harness = Harness.Create(backend: Backend);
        var node = await harness.AddAsync("ttl", withApp: false);
        var metadata = new Dictionary<string, string> { ["ttlInSeconds"] = ttl };

        var grpc = await Assert.ThrowsAsync<DaprException>(() => node.Client.SaveStateAsync("statestore", "k", 1, metadata: metadata, cancellationToken: Ct));
        var rpc = Assert.IsType<RpcException>(grpc.InnerException);
        Assert.Equal(StatusCode.Internal, rpc.StatusCode);
        Assert.Equal($"failed saving state in state store statestore: {ComponentError(ttl)}", rpc.Status.Detail);

        using var http = Http.Client();
        using var response = await http.PostAsync($"{node.HttpEndpoint}/v1.0/state/statestore",
            new StringContent($$$"""[{"key":"k","value":1,"metadata":{"ttlInSeconds":"{{{ttl}}}"}}]""", Encoding.UTF8, "application/json"), Ct);
        await response.AssertDaprErrorAsync(HttpStatusCode.InternalServerError, "ERR_STATE_SAVE", $"failed saving state in state store statestore: {ComponentError(ttl)}");

        var transaction = await Assert.ThrowsAsync<DaprException>(() => node.Client.ExecuteStateTransactionAsync("statestore",
            [new StateTransactionRequest("k", JsonSerializer.SerializeToUtf8Bytes(1), StateOperationType.Upsert, metadata: metadata)], cancellationToken: Ct));
        Assert.Equal($"error while executing state transaction: {ComponentError(ttl)}", Assert.IsType<RpcException>(transaction.InnerException).Status.Detail);

        Assert.Equal(0, await node.Client.GetStateAsync<int>("statestore", "k", cancellationToken: Ct));
    }

    [Theory]
    [InlineData("-5")]
    [InlineData("-1")]
    [InlineData("0")]
    public async Task A_ttl_of_zero_or_less_is_accepted_and_means_no_expiry(string ttl)
    {
        await using var harness = Harness.Create(backend: Backend);
        var node = await harness.AddAsync("ttl", withApp: false);

        await node.Client.SaveStateAsync("statestore", "k", 7, metadata: new Dictionary<string, string> { ["ttlInSeconds"] = ttl }, cancellationToken: Ct);

        var (value, _) = await node.Client.GetStateAndETagAsync<int>("statestore", "k", cancellationToken: Ct);
        Assert.Equal(7, value);
        Assert.DoesNotContain("ttlExpireTime", (await RawGetAsync(node, "k")).Metadata.Keys);
    }

    [Fact]
    public async Task A_positive_ttl_sets_an_expiry()
    {
        await using var harness = Harness.Create(backend: Backend);
        var node = await harness.AddAsync("ttl", withApp: false);

        await node.Client.SaveStateAsync("statestore", "k", 7, metadata: new Dictionary<string, string> { ["ttlInSeconds"] = "+600" }, cancellationToken: Ct);

        Assert.Contains("ttlExpireTime", (await RawGetAsync(node, "k")).Metadata.Keys);
    }

    /// <summary>GetState over the raw gRPC API, whose response metadata carries <c>ttlExpireTime</c>.</summary>
    private static async Task<Dapr.Client.Autogen.Grpc.v1.GetStateResponse> RawGetAsync(Node node, string key)
    {
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(node.GrpcEndpoint);
        var raw = new Dapr.Client.Autogen.Grpc.v1.Dapr.DaprClient(channel);
        return await raw.GetStateAsync(new() { StoreName = "statestore", Key = key }, cancellationToken: Ct);
    }
}

public sealed class TtlValidationTests_InMemory : TtlValidationTests
{
    protected override Backend Backend => Backend.InMemory;
}

public sealed class TtlValidationTests_Redis(RedisFixture redis) : TtlValidationTests
{
    protected override Backend Backend => redis.Backend;
}
