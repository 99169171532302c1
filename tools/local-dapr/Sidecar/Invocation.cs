using System.Net;
using LocalDapr.PubSub;
using LocalDapr.Resiliency;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace LocalDapr.Sidecar;

/// <summary>
/// Service invocation: HTTP (<c>/v1.0/invoke/{app}/method/...</c> or the <c>dapr-app-id</c> header) and raw gRPC proxying
/// by <c>dapr-app-id</c>. Verb, path, query, headers, body and trailers pass through; the callee's status comes back as is.
/// </summary>
public sealed class Invocation(IHttpForwarder forwarder)
{
    private static readonly string[] StrippedHeaders = ["dapr-app-id", "dapr-api-token", "dapr-caller-app-id", "dapr-callee-app-id", "dapr-stream"];

    public async Task ForwardAsync(HttpContext context, SidecarRuntime caller, string appId, string path, bool grpc)
    {
        var target = caller.Environment.Apps.Resolve(appId);
        if (target?.Channel is null)
        {
            var error = target is null
                ? DaprErrors.DirectInvoke(appId, $"couldn't find service: {appId}")
                : DaprErrors.DirectInvoke(appId, $"app {appId} has no app port");
            if (grpc) GrpcWire.WriteStatus(context, Grpc.Core.StatusCode.Unavailable, error.Message);
            else await HttpApi.WriteErrorAsync(context, error);
            return;
        }

        using var invoker = new HttpMessageInvoker(target.Channel.Handler, disposeHandler: false);
        var config = new ForwarderRequestConfig
        {
            ActivityTimeout = TimeSpan.FromMinutes(10),
            Version = grpc ? HttpVersion.Version20 : target.Channel.HttpVersionToUse,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        var transformer = new Transformer(path, context.Request.QueryString, caller.AppId, target.AppId, target.Options.AppApiToken);
        var policy = caller.AppPolicy(target.AppId);
        // Retries re-send the request, so its body is kept; streaming gRPC calls are never retried.
        var canRetry = !grpc && (context.Request.ContentLength ?? 0) <= 4 * 1024 * 1024;
        if (canRetry) context.Request.EnableBuffering();
        string? failure = null;
        try
        {
            var error = await policy.ExecuteAsync(async token =>
            {
                if (context.Request.Body.CanSeek) context.Request.Body.Position = 0;
                var result = await forwarder.SendAsync(context, target.Channel.BaseAddress.ToString().TrimEnd('/'), invoker, config, transformer, token);
                if (result != ForwarderError.None && !context.Response.HasStarted && !canRetry) throw new InvocationFailedException(result, Message(context, result));
                return result;
            }, result => result != ForwarderError.None && !context.Response.HasStarted, e => e is InvocationFailedException, context.RequestAborted);
            if (error == ForwarderError.None || context.Response.HasStarted) return;
            failure = Message(context, error);
        }
        catch (Exception e) when (e is CircuitOpenException or PolicyTimeoutException or InvocationFailedException)
        {
            failure = e.Message;
        }
        if (context.Response.HasStarted) return;
        context.Response.Clear();
        if (grpc) GrpcWire.WriteStatus(context, Grpc.Core.StatusCode.Unavailable, $"failed to proxy request: {failure}");
        else await HttpApi.WriteErrorAsync(context, DaprErrors.DirectInvoke(appId, failure ?? "unknown error"));
    }

    private static string Message(HttpContext context, ForwarderError error) =>
        context.Features.Get<IForwarderErrorFeature>()?.Exception?.Message ?? error.ToString();

    private sealed class InvocationFailedException(ForwarderError error, string message) : Exception(message)
    {
        public ForwarderError Error { get; } = error;
    }

    private sealed class Transformer(string path, QueryString query, string callerId, string calleeId, string? appToken) : HttpTransformer
    {
        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            proxyRequest.RequestUri = new Uri(destinationPrefix + (path.StartsWith('/') ? path : "/" + path) + query.Value);
            foreach (var header in StrippedHeaders) proxyRequest.Headers.Remove(header);
            proxyRequest.Headers.TryAddWithoutValidation("dapr-caller-app-id", callerId);
            proxyRequest.Headers.TryAddWithoutValidation("dapr-callee-app-id", calleeId);
            if (!string.IsNullOrEmpty(appToken)) proxyRequest.Headers.TryAddWithoutValidation("dapr-api-token", appToken);
            var incoming = httpContext.Request.Headers["traceparent"].ToString();
            proxyRequest.Headers.Remove("traceparent");
            proxyRequest.Headers.TryAddWithoutValidation("traceparent", TraceContext.ChildOf(incoming.Length > 0 ? incoming : null).ToString());
            proxyRequest.Headers.Host = null;
        }
    }
}

/// <summary>Writes a gRPC status as a trailers-only response.</summary>
public static class GrpcWire
{
    public static void WriteStatus(HttpContext context, Grpc.Core.StatusCode code, string message)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/grpc";
        context.Response.Headers["grpc-status"] = ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.Headers["grpc-message"] = Uri.EscapeDataString(message);
    }
}
