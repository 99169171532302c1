using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Mtaeda.Equipment.Api;

/// <summary>
/// Logs every refused call once (bad input as a warning naming the field, domain refusals at debug), and turns a
/// failure to reach the actors (sidecar down, actor placement moving, state store failing) into <c>Unavailable</c>,
/// which tells the caller that retrying the (idempotent) command is safe.
/// </summary>
/// <param name="logger">The logger.</param>
public sealed partial class ErrorInterceptor(ILogger<ErrorInterceptor> logger) : Interceptor
{
    /// <inheritdoc />
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            return await continuation(request, context);
        }
        catch (RpcException e)
        {
            if (e.StatusCode == StatusCode.InvalidArgument) LogInvalid(context.Method, e.Status.Detail);
            else if (e.StatusCode == StatusCode.Unavailable) LogUnavailable(context.Method, e.Status.Detail);
            else LogRefused(context.Method, e.StatusCode, e.Status.Detail);
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(e, context.Method);
            throw new RpcException(new Status(StatusCode.Unavailable, $"equipment could not record the command ({e.GetType().Name}); it is safe to retry"));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} refused bad input: {Detail}")]
    private partial void LogInvalid(string method, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Method} refused ({Code}): {Detail}")]
    private partial void LogRefused(string method, StatusCode code, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} unavailable: {Detail}")]
    private partial void LogUnavailable(string method, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} failed")]
    private partial void LogFailed(Exception exception, string method);
}
