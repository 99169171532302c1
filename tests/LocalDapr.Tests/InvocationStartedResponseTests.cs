using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace LocalDapr.Tests;

/// <summary>
/// Retries of an invocation start from a clean response: a transport failure (the forwarder answers it with 502) is
/// tried again as daprd tries it, not refused by the forwarder as a response already under way; and an answer that has
/// started reaching the caller is never tried again (a timeout mid-answer cuts the call).
/// </summary>
public sealed class InvocationStartedResponseTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Policies = """
        policies:
          timeouts:
            short: 500ms
          retries:
            again:
              policy: constant
              duration: 10ms
              maxRetries: 3
        targets:
          apps:
            stalling:
              timeout: short
              retry: again
        """;

    [Fact]
    public async Task A_timeout_after_the_answer_started_cuts_the_call_without_a_retry()
    {
        await using var harness = Harness.Create(ResiliencyTests.Components("calls", Policies));
        var caller = await harness.AddAsync("caller", withApp: false);
        var hits = 0;
        var port = Sidecar.Sidecar.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port, o => o.Protocols = HttpProtocols.Http1));
        await using var app = builder.Build();
        app.MapGet("/stall", async (HttpContext context) =>
        {
            Interlocked.Increment(ref hits);
            await context.Response.WriteAsync("partial", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            // Stalls past the policy's timeout (until the sidecar gives up on it, or the bound).
            await Task.Delay(TimeSpan.FromSeconds(20), context.RequestAborted);
        });
        await app.StartAsync(Ct);
        await using var callee = await Sidecar.Sidecar.StartAsync(new Sidecar.SidecarOptions { AppId = "stalling", AppPort = port, ResourcesPaths = [harness.ComponentsDir] }, harness.Env, Ct);
        await callee.AppReady.WaitAsync(TimeSpan.FromSeconds(20), Ct);

        using var http = Http.Client();
        using var response = await http.GetAsync($"{caller.HttpEndpoint}/v1.0/invoke/stalling/method/stall", HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // The answer is cut, not ended as if it were whole.
        await Assert.ThrowsAnyAsync<Exception>(() => response.Content.ReadAsStringAsync(Ct));

        Assert.Equal(1, hits);
        Assert.DoesNotContain(harness.Logs.Entries, e => e.Message.Contains("the response has already started", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_transport_failure_is_retried_and_the_next_attempts_answer_comes_back()
    {
        await using var harness = Harness.Create(ResiliencyTests.Components("calls", Policies.Replace("stalling:", "flaky:", StringComparison.Ordinal)));
        var caller = await harness.AddAsync("caller", withApp: false);
        await using var app = FlakyApp.Start();
        await using var callee = await Sidecar.Sidecar.StartAsync(new Sidecar.SidecarOptions { AppId = "flaky", AppPort = app.Port, ResourcesPaths = [harness.ComponentsDir] }, harness.Env, Ct);
        await callee.AppReady.WaitAsync(TimeSpan.FromSeconds(20), Ct);

        using var http = Http.Client();
        using var response = await http.GetAsync($"{caller.HttpEndpoint}/v1.0/invoke/flaky/method/flaky", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("second try", await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(2, app.FlakyCalls);
        Assert.DoesNotContain(harness.Logs.Entries, e => e.Message.Contains("the response has already started", StringComparison.Ordinal));
    }

    /// <summary>An HTTP/1.1 app on a bare socket: its first <c>/flaky</c> request gets an answer that is not HTTP, the next ones "second try".</summary>
    private sealed class FlakyApp : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private int _flaky;

        private FlakyApp()
        {
            _listener.Start();
            _loop = Task.Run(AcceptAsync);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int FlakyCalls => Volatile.Read(ref _flaky);

        public static FlakyApp Start() => new();

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket socket;
                try
                {
                    socket = await _listener.AcceptSocketAsync(_stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                _ = Task.Run(() => ServeAsync(socket));
            }
        }

        private async Task ServeAsync(Socket socket)
        {
            using (socket)
            {
                var head = new StringBuilder();
                var buffer = new byte[4096];
                while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var read = await socket.ReceiveAsync(buffer, _stop.Token);
                    if (read == 0) return;
                    head.Append(Encoding.ASCII.GetString(buffer, 0, read));
                }
                var path = head.ToString().Split(' ', 3)[1];
                var (status, body) = path switch
                {
                    "/flaky" when Interlocked.Increment(ref _flaky) == 1 => (0, ""),
                    "/flaky" => (200, "second try"),
                    "/dapr/subscribe" => (200, "[]"),
                    _ => (404, ""),
                };
                if (status == 0)
                {
                    // No HTTP answer at all: the client cannot read one, and does not try again by itself.
                    await socket.SendAsync("not http\r\n\r\n"u8.ToArray(), _stop.Token);
                    socket.Shutdown(SocketShutdown.Both);
                    return;
                }
                var answer = $"HTTP/1.1 {status} {(status == 200 ? "OK" : "Not Found")}\r\nContent-Type: text/plain\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";
                await socket.SendAsync(Encoding.UTF8.GetBytes(answer), _stop.Token);
                socket.Shutdown(SocketShutdown.Both);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _loop;
            _stop.Dispose();
        }
    }
}
