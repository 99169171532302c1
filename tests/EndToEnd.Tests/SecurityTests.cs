using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Dapr;
using Dapr.Client;
using Grpc.Core;
using Grpc.Net.Client;
using Mtaeda.Contracts.Equipment.V1;

namespace Mtaeda.EndToEnd.Tests;

/// <summary>
/// What a stranger on the machine or on the network can do to the running system: the app ports answer only on
/// loopback, and only calls carrying the app token; the sidecars answer only calls carrying the API token; only
/// equipment may publish passages.
/// </summary>
[Collection(nameof(MtaedaSystem))]
public sealed class SecurityTests(MtaedaSystem system)
{
    private static readonly string[] Apps = ["stations", "equipment", "gateway", "ridership"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_app_ports_do_not_answer_from_outside_loopback()
    {
        if (Environment.UserName != "root") Assert.Skip("needs root to make a network namespace (ip netns add)");
        if (!File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip")) Assert.Skip("needs iproute2's ip to make a network namespace");

        // A namespace of this test's own, joined to this one by a veth pair with addresses of its own choosing.
        var tag = Environment.ProcessId.ToString("x", System.Globalization.CultureInfo.InvariantCulture);
        string ns = $"mtaeda-sec-{tag}", outer = $"mtsec{tag}o", inner = $"mtsec{tag}i";
        const string OuterAddress = "10.213.77.1", InnerAddress = "10.213.77.2";
        try
        {
            await IpAsync("netns", "add", ns);
            await IpAsync("link", "add", outer, "type", "veth", "peer", "name", inner);
            await IpAsync("link", "set", inner, "netns", ns);
            await IpAsync("addr", "add", $"{OuterAddress}/30", "dev", outer);
            await IpAsync("link", "set", outer, "up");
            await IpAsync("-n", ns, "addr", "add", $"{InnerAddress}/30", "dev", inner);
            await IpAsync("-n", ns, "link", "set", inner, "up");

            // The devices' port listens on every address: reachable from the namespace, so the path itself works.
            Assert.True(await ConnectsFromAsync(ns, OuterAddress, system.DevicePort), "the gateway's device port should answer from the namespace");
            foreach (var app in Apps)
                Assert.False(await ConnectsFromAsync(ns, OuterAddress, system.AppPort(app)), $"{app}'s app port {system.AppPort(app)} answered from outside loopback");
        }
        finally
        {
            await RunAsync("ip", ["netns", "del", ns]);
            await RunAsync("ip", ["link", "del", outer]);
        }
    }

    [Fact]
    public async Task A_call_without_the_app_token_or_with_a_wrong_one_is_refused_at_the_app()
    {
        using var http = H2c();
        foreach (var token in new string?[] { null, "guessed" })
        {
            using var actor = await http.SendAsync(Request(HttpMethod.Put, $"http://127.0.0.1:{system.AppPort("equipment")}/actors/Turnstile/ts-001-01/method/RecordPassagesAsync", token, "{}"), Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, actor.StatusCode);
            using var delivery = await http.SendAsync(Request(HttpMethod.Post, $"http://127.0.0.1:{system.AppPort("ridership")}/events/passages", token, "[]"), Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, delivery.StatusCode);
            foreach (var app in Apps)
            {
                using var callback = await http.SendAsync(Request(HttpMethod.Get, $"http://127.0.0.1:{system.AppPort(app)}/dapr/subscribe", token), Ct);
                Assert.Equal(HttpStatusCode.Unauthorized, callback.StatusCode);
            }

            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{system.AppPort("equipment")}");
            var headers = token is null ? new Metadata() : new Metadata { { "dapr-api-token", token } };
            var grpc = await Assert.ThrowsAsync<RpcException>(() => new Equipment.EquipmentClient(channel).GetTurnstileAsync(new GetTurnstileRequest { TurnstileId = "ts-001-01" }, headers, cancellationToken: Ct).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, grpc.StatusCode);
        }

        // The health probe needs no token: the port itself answers.
        using var health = await http.SendAsync(Request(HttpMethod.Get, $"http://127.0.0.1:{system.AppPort("equipment")}/healthz", null), Ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task A_call_without_the_api_token_or_with_a_wrong_one_is_refused_at_the_sidecar()
    {
        using var http = new HttpClient();
        foreach (var app in MtaedaSystem.Services)
        {
            foreach (var token in new string?[] { null, "guessed" })
            {
                using var invoke = await http.SendAsync(Request(HttpMethod.Get, $"{system.SidecarHttp(app)}/v1.0/invoke/ridership/method/v1/ridership/totals", token, h2c: false), Ct);
                Assert.Equal(HttpStatusCode.Unauthorized, invoke.StatusCode);
                using var delete = await http.SendAsync(Request(HttpMethod.Delete, $"{system.SidecarHttp(app)}/v1.0/state/statestore/network-totals", token, h2c: false), Ct);
                Assert.Equal(HttpStatusCode.Unauthorized, delete.StatusCode);

                using var dapr = new DaprClientBuilder().UseGrpcEndpoint(system.SidecarGrpc(app)).UseHttpEndpoint(system.SidecarHttp(app)).UseDaprApiToken(token).Build();
                var publish = await Assert.ThrowsAsync<DaprException>(() => dapr.PublishEventAsync("pubsub", "passages", new { forged = true }, Ct));
                Assert.Equal(StatusCode.Unauthenticated, Assert.IsType<RpcException>(publish.InnerException).StatusCode);
            }
            Assert.Equal(HttpStatusCode.NoContent, (await http.GetAsync($"{system.SidecarHttp(app)}/v1.0/healthz", Ct)).StatusCode);
        }
    }

    [Fact]
    public async Task A_publish_to_passages_from_any_app_but_equipment_is_refused()
    {
        foreach (var app in MtaedaSystem.Services.Where(a => a != "equipment"))
        {
            using var dapr = new DaprClientBuilder().UseGrpcEndpoint(system.SidecarGrpc(app)).UseHttpEndpoint(system.SidecarHttp(app)).UseDaprApiToken(system.ApiToken).Build();

            var refused = await Assert.ThrowsAsync<DaprException>(() => dapr.PublishEventAsync("pubsub", "passages", new { forged = true }, Ct));

            var rpc = Assert.IsType<RpcException>(refused.InnerException);
            Assert.Equal(StatusCode.PermissionDenied, rpc.StatusCode);
            Assert.Equal($"topic passages is not allowed for app id {app}", rpc.Status.Detail);
        }
    }

    private static HttpClient H2c() => new(new SocketsHttpHandler { UseProxy = false })
    {
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    /// <summary>A request over HTTP/2 without TLS (the apps' h2c ports) when <paramref name="h2c"/>, else HTTP/1.1 (the sidecars').</summary>
    private static HttpRequestMessage Request(HttpMethod method, string url, string? token, string? json = null, bool h2c = true)
    {
        var request = new HttpRequestMessage(method, url) { Version = h2c ? HttpVersion.Version20 : HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        if (json is not null) request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        if (token is not null) request.Headers.Add("dapr-api-token", token);
        return request;
    }

    /// <summary>Whether a TCP connection from inside <paramref name="ns"/> to <paramref name="address"/>:<paramref name="port"/> is accepted.</summary>
    private static async Task<bool> ConnectsFromAsync(string ns, string address, int port) =>
        await RunAsync("ip", ["netns", "exec", ns, "timeout", "5", "bash", "-c", $"exec 3<>/dev/tcp/{address}/{port}"]) == 0;

    private static async Task IpAsync(params string[] args)
    {
        var code = await RunAsync("ip", args);
        if (code != 0) throw new InvalidOperationException($"ip {string.Join(' ', args)} failed with {code}");
    }

    private static async Task<int> RunAsync(string file, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        await Task.WhenAll(process.StandardOutput.ReadToEndAsync(Ct), process.StandardError.ReadToEndAsync(Ct), process.WaitForExitAsync(Ct));
        return process.ExitCode;
    }
}
