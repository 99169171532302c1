using System.Collections.Concurrent;
using System.Net;
using Dapr;
using Dapr.Client;
using Grpc.Core;
using Grpc.Net.Client;
using Mtaeda.Testing;

namespace Mtaeda.ServiceDefaults.Tests;

/// <summary>
/// Create-once of a state key (<see cref="StateCreation.TryCreateAsync{T}"/>) against a local sidecar: the first caller
/// creates, later and concurrent callers get its value, a first-write refusal is recognised whatever status the store
/// answers it with (in-memory: Aborted; Redis and PostgreSQL: Internal), and a store failure is thrown again.
/// </summary>
public sealed class StateCreationTests
{
    private const string Store = "statestore";
    private const string SaveState = "/dapr.proto.runtime.v1.Dapr/SaveState";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_first_caller_creates_the_key_and_a_later_one_gets_its_value_without_making_one()
    {
        await using var runtime = LocalRuntime.Create();
        var node = await runtime.StartSidecarAsync("creator", Ct);
        var made = 0;

        var first = await node.Client.TryCreateAsync(Store, "once", () => { made++; return new Marker("first"); }, Ct);
        var second = await node.Client.TryCreateAsync(Store, "once", () => { made++; return new Marker("second"); }, Ct);

        Assert.Equal((true, new Marker("first")), first);
        Assert.Equal((false, new Marker("first")), second);
        Assert.Equal(1, made);
        Assert.Equal(new Marker("first"), await node.Client.GetStateAsync<Marker>(Store, "once", cancellationToken: Ct));
    }

    [Fact]
    public async Task Of_concurrent_creators_exactly_one_creates_and_every_one_gets_its_value()
    {
        await using var runtime = LocalRuntime.Create();
        var node = await runtime.StartSidecarAsync("creator", Ct);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => node.Client.TryCreateAsync(Store, "raced", () => new Marker("caller-" + i), Ct), Ct)));

        var winner = Assert.Single(results, r => r.Created).Value;
        Assert.All(results, r => Assert.Equal(winner, r.Value));
        Assert.Equal(winner, await node.Client.GetStateAsync<Marker>(Store, "raced", cancellationToken: Ct));
    }

    // Another caller creates the key between this caller's read and its save, so the save is refused; the sidecar's
    // answer is passed on with the status each store gives it through daprd.
    [Theory]
    [InlineData(StatusCode.Aborted)] // state.in-memory: an ETag mismatch
    [InlineData(StatusCode.Internal)] // state.redis, state.postgresql: a plain store error
    public async Task A_refused_save_answers_the_value_the_other_caller_created_whatever_status_the_store_refuses_with(StatusCode refusal)
    {
        await using var runtime = LocalRuntime.Create();
        var node = await runtime.StartSidecarAsync("creator", Ct);
        var seen = new ConcurrentQueue<StatusCode>();
        using var handler = new SaveStateHandler(async (request, forward, ct) =>
        {
            await node.Client.SaveStateAsync(Store, "contended", new Marker("theirs"), StateTransactions.FirstWrite, cancellationToken: ct);
            var response = await forward(request, ct);
            await response.Content.LoadIntoBufferAsync(ct);
            var status = GrpcStatus(response);
            seen.Enqueue(status);
            SetGrpcStatus(response, status == StatusCode.Aborted ? refusal : status);
            return response;
        });
        using var dapr = Client(node, handler);

        var result = await dapr.TryCreateAsync(Store, "contended", () => new Marker("mine"), Ct);

        Assert.Equal((false, new Marker("theirs")), result);
        Assert.Equal([StatusCode.Aborted], seen); // the local runtime refuses as daprd's in-memory store does
        Assert.Equal(new Marker("theirs"), await node.Client.GetStateAsync<Marker>(Store, "contended", cancellationToken: Ct));
    }

    [Fact]
    public async Task A_store_failure_leaving_the_key_empty_is_thrown_again()
    {
        await using var runtime = LocalRuntime.Create();
        var node = await runtime.StartSidecarAsync("creator", Ct);
        using var handler = new SaveStateHandler((request, _, _) => Task.FromResult(Failed(request, StatusCode.Internal, "failed saving state in state store statestore: connection refused")));
        using var dapr = Client(node, handler);

        var thrown = await Assert.ThrowsAsync<DaprException>(() => dapr.TryCreateAsync(Store, "down", () => new Marker("mine"), Ct));

        Assert.Equal(StatusCode.Internal, Assert.IsType<RpcException>(thrown.InnerException).StatusCode);
        Assert.Null(await node.Client.GetStateAsync<Marker?>(Store, "down", cancellationToken: Ct));
    }

    private static DaprClient Client(AppNode node, HttpMessageHandler handler) => new DaprClientBuilder()
        .UseGrpcEndpoint(node.GrpcEndpoint)
        .UseHttpEndpoint(node.HttpEndpoint)
        .UseGrpcChannelOptions(new GrpcChannelOptions { HttpHandler = handler })
        .Build();

    // A gRPC answer is trailers-only when the call failed before any message (grpc-status in the headers), else in the trailers.
    private static StatusCode GrpcStatus(HttpResponseMessage response) =>
        (StatusCode)int.Parse((response.Headers.TryGetValues("grpc-status", out var values) ? values : response.TrailingHeaders.GetValues("grpc-status")).Single(),
            System.Globalization.CultureInfo.InvariantCulture);

    private static void SetGrpcStatus(HttpResponseMessage response, StatusCode status)
    {
        var headers = response.Headers.Contains("grpc-status") ? (System.Net.Http.Headers.HttpHeaders)response.Headers : response.TrailingHeaders;
        headers.Remove("grpc-status");
        headers.Add("grpc-status", ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static HttpResponseMessage Failed(HttpRequestMessage request, StatusCode status, string message)
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Version = HttpVersion.Version20, RequestMessage = request, Content = new ByteArrayContent([]) };
        response.Content.Headers.ContentType = new("application/grpc");
        response.Headers.Add("grpc-status", ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture));
        response.Headers.Add("grpc-message", Uri.EscapeDataString(message));
        return response;
    }

    private sealed record Marker(string By);

    /// <summary>Passes every call to the sidecar, except SaveState, which <paramref name="answer"/> answers (it may forward it).</summary>
    private sealed class SaveStateHandler(
        Func<HttpRequestMessage, Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>, CancellationToken, Task<HttpResponseMessage>> answer)
        : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            request.RequestUri?.AbsolutePath == SaveState ? answer(request, base.SendAsync, cancellationToken) : base.SendAsync(request, cancellationToken);
    }
}
