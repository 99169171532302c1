using System.Net;
using System.Net.Sockets;

namespace LocalDapr.Sidecar;

/// <summary>The sidecar's connection to its app: HTTP/1.1 for <c>http</c>, HTTP/2 with prior knowledge for <c>h2c</c>.</summary>
public sealed class AppChannel : IDisposable
{
    private readonly HttpClient _client;
    private readonly SidecarOptions _options;

    public AppChannel(SidecarOptions options)
    {
        _options = options;
        Handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        BaseAddress = new Uri($"http://{options.AppChannelAddress}:{options.AppPort}");
        _client = new HttpClient(Handler, disposeHandler: false)
        {
            BaseAddress = BaseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = options.UsesHttp2 ? HttpVersion.Version20 : HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    public Uri BaseAddress { get; }

    /// <summary>Shared with the invocation forwarder so both use one connection pool.</summary>
    public SocketsHttpHandler Handler { get; }

    public Version HttpVersionToUse => _options.UsesHttp2 ? HttpVersion.Version20 : HttpVersion.Version11;

    public HttpRequestMessage Request(HttpMethod method, string path)
    {
        // HttpClient.DefaultRequestVersion applies only to its own helpers (GetAsync...), not to SendAsync of a built
        // request, so the version is set here: h2c apps (HTTP/2 only) refuse HTTP/1.1 with a 400.
        var request = new HttpRequestMessage(method, path.StartsWith('/') ? path : "/" + path)
        {
            Version = HttpVersionToUse,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (_options.AppApiToken is { Length: > 0 } token) request.Headers.TryAddWithoutValidation("dapr-api-token", token);
        return request;
    }

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        _client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);

    /// <summary>True when the app accepts connections on its port (and, with the app health check on, its health path answers 2xx).</summary>
    public async Task<bool> ProbeAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.AppHealthProbeTimeout < TimeSpan.FromSeconds(2) ? TimeSpan.FromSeconds(2) : _options.AppHealthProbeTimeout);
        try
        {
            if (!_options.EnableAppHealthCheck)
            {
                using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(_options.AppChannelAddress, _options.AppPort!.Value, timeout.Token);
                return true;
            }
            using var response = await SendAsync(Request(HttpMethod.Get, _options.AppHealthCheckPath), timeout.Token);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is SocketException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _client.Dispose();
        Handler.Dispose();
    }
}
