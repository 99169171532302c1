using System.Net;
using System.Net.Sockets;
using LocalDapr.Configuration;
using LocalDapr.Workflows;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace LocalDapr.Sidecar;

/// <summary>
/// One Dapr-compatible sidecar: an HTTP/1.1 listener (health, invocation, publish, state, metadata) and an h2c listener
/// (<c>dapr.proto.runtime.v1.Dapr</c> plus gRPC proxying by <c>dapr-app-id</c>), both on the localhost loopbacks.
/// </summary>
public sealed class Sidecar : IAsyncDisposable
{
    private const long MaxBodySize = 16 * 1024 * 1024;

    private readonly WebApplication _web;
    private readonly RuntimeEnvironment _env;
    private readonly Task _connect;
    private int _disposed;

    private Sidecar(WebApplication web, SidecarRuntime runtime, RuntimeEnvironment env, int httpPort, int grpcPort)
    {
        _web = web;
        Runtime = runtime;
        _env = env;
        HttpPort = httpPort;
        GrpcPort = grpcPort;
        env.Apps.Register(runtime);
        _connect = Task.Run(runtime.ConnectAppAsync);
    }

    public SidecarRuntime Runtime { get; }

    public string AppId => Runtime.AppId;

    public int HttpPort { get; }

    public int GrpcPort { get; }

    /// <summary>Completes once the app answered and its subscriptions run.</summary>
    public Task AppReady => Runtime.AppReady;

    /// <summary>Reads the resources, binds both listeners and starts connecting to the app.</summary>
    public static async Task<Sidecar> StartAsync(SidecarOptions options, RuntimeEnvironment env, CancellationToken cancellationToken = default)
    {
        var resources = ResourceLoader.Load(options.ResourcesPaths, options.AppId, options.ConfigFile);
        var httpPort = options.HttpPort > 0 ? options.HttpPort : FreePort();
        var grpcPort = options.GrpcPort > 0 ? options.GrpcPort : FreePort();
        var runtime = new SidecarRuntime(options, resources, env);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "local-dapr", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(env.Loggers);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxBodySize;
            kestrel.ListenLocalhost(httpPort, o => o.Protocols = HttpProtocols.Http1);
            kestrel.ListenLocalhost(grpcPort, o => o.Protocols = HttpProtocols.Http2);
        });
        builder.Services.AddSingleton(runtime);
        builder.Services.AddSingleton<DaprGrpcApi>();
        builder.Services.AddSingleton<Invocation>();
        builder.Services.AddSingleton(_ => new WorkflowEngine(runtime, resources.Workflow, env.Loggers.CreateLogger($"daprd.{options.AppId}.workflow")));
        builder.Services.AddHttpForwarder();
        builder.Services.AddRouting();
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = (int)MaxBodySize;
            o.EnableDetailedErrors = true;
        });

        var web = builder.Build();
        var invocation = web.Services.GetRequiredService<Invocation>();
        web.Use((context, next) => Gate(context, next, runtime, invocation, grpcPort));
        web.UseRouting();
        web.MapGrpcService<DaprGrpcApi>().RequireHost($"*:{grpcPort}");
        web.MapGrpcService<WorkflowGrpcService>().RequireHost($"*:{grpcPort}");
        HttpApi.Map(web, runtime, invocation, httpPort);
        WorkflowHttpApi.Map(web, web.Services.GetRequiredService<WorkflowEngine>(), httpPort);

        try
        {
            await web.StartAsync(cancellationToken);
            _ = web.Services.GetRequiredService<WorkflowEngine>().Ready;
        }
        catch
        {
            await web.DisposeAsync();
            await runtime.DisposeAsync();
            throw;
        }
        env.Loggers.CreateLogger($"daprd.{options.AppId}").LogInformation(
            "Sidecar for {AppId} listening: HTTP {HttpPort}, gRPC {GrpcPort}; components: {Components}",
            options.AppId, httpPort, grpcPort, string.Join(", ", resources.Components.Select(c => $"{c.Name} ({c.Type})")));
        return new Sidecar(web, runtime, env, httpPort, grpcPort);
    }

    /// <summary>API token check, then the gRPC proxy and <c>dapr-app-id</c> HTTP invocation before the API routes.</summary>
    private static async Task Gate(HttpContext context, RequestDelegate next, SidecarRuntime runtime, Invocation invocation, int grpcPort)
    {
        var onGrpc = context.Connection.LocalPort == grpcPort;
        // daprd routes its HTTP API on the cleaned path (gRPC method names are left as they are).
        if (!onGrpc && context.Request.Path.Value is { } raw) context.Request.Path = new PathString(CleanPath.Clean(raw));
        var path = context.Request.Path;
        if (runtime.Options.ApiToken is { Length: > 0 } token && !path.StartsWithSegments("/v1.0/healthz"))
        {
            var given = context.Request.Headers["dapr-api-token"].ToString();
            if (given != token)
            {
                if (onGrpc)
                {
                    GrpcWire.WriteStatus(context, Grpc.Core.StatusCode.Unauthenticated, given.Length == 0 ? "missing api token in request metadata" : "authentication error: api token mismatch");
                }
                else
                {
                    context.Response.StatusCode = 401;
                    context.Response.ContentType = "text/plain; charset=utf-8";
                    await context.Response.WriteAsync("invalid api token\n");
                }
                return;
            }
        }

        var appId = context.Request.Headers["dapr-app-id"].ToString();
        if (appId.Length == 0) appId = context.Request.Headers["dapr-callee-app-id"].ToString();
        if (onGrpc)
        {
            if (!path.StartsWithSegments("/dapr.proto.runtime.v1.Dapr") && !path.StartsWithSegments("/" + WorkflowGrpcService.ServiceName))
            {
                if (appId.Length == 0) GrpcWire.WriteStatus(context, Grpc.Core.StatusCode.Unknown, DaprErrors.ProxyWithoutAppId);
                else await invocation.ForwardAsync(context, runtime, appId, path.Value ?? "/", grpc: true);
                return;
            }
        }
        else if (appId.Length > 0 && !path.StartsWithSegments("/v1.0"))
        {
            await invocation.ForwardAsync(context, runtime, appId, path.Value ?? "/", grpc: false);
            return;
        }
        await next(context);
    }

    // Ports handed out by FreePort: below Linux's ephemeral range (32768-60999 by default), where the kernel picks the
    // local ports of outgoing connections and of bind(0), so a port found free cannot be taken by a connection before it
    // is bound; handed out in turn from a random start, so two callers of one process never get the same port.
    private const int FirstPort = 20000;
    private const int PortCount = 12000;
    private static int _lastPort = Random.Shared.Next(PortCount);

    /// <summary>A loopback TCP port that is free now and was not handed out before by this process.</summary>
    /// <returns>The port.</returns>
    public static int FreePort()
    {
        for (var attempt = 0; attempt < PortCount; attempt++)
        {
            var port = FirstPort + (int)((uint)Interlocked.Increment(ref _lastPort) % PortCount);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }
        using var any = new TcpListener(IPAddress.Loopback, 0);
        any.Start();
        return ((IPEndPoint)any.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _env.Apps.Unregister(Runtime);
        await Runtime.DisposeAsync();
        try
        {
            await _connect;
        }
        catch (OperationCanceledException)
        {
        }
        await _web.StopAsync(TimeSpan.FromSeconds(2));
        await _web.DisposeAsync();
    }
}
