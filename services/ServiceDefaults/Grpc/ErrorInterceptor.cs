using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using Mtaeda.Contracts;

namespace Mtaeda.ServiceDefaults;

/// <summary>
/// The one place a gRPC service's errors are logged and finished (see <c>protos/mtaeda/common/v1/errors.proto</c>):
/// a refusal made with <see cref="Errors"/> passes through, and a domain rule's <see cref="DomainRefusalException"/> is
/// turned into the same model (<see cref="DomainRefusal.ToRpcException"/>); each is logged once (bad input as a
/// warning naming the fields, a refused command with its reason code, an unknown id at debug); any other failure
/// (sidecar down, actor placement moving, a store failing) becomes <c>Unavailable</c>, which tells the caller that
/// retrying the idempotent command is safe, and is logged as an error.
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
        catch (DomainRefusalException refusal)
        {
            var e = refusal.Refusal.ToRpcException();
            Log(context.Method, e);
            throw e;
        }
        catch (RpcException e)
        {
            Log(context.Method, e);
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(e, context.Method);
            throw Errors.Unavailable($"the command could not be carried out now ({e.GetType().Name}); it is safe to retry");
        }
    }

    private void Log(string method, RpcException e)
    {
        switch (e.StatusCode)
        {
            case StatusCode.InvalidArgument:
                LogInvalid(method, e.Status.Detail);
                break;
            case StatusCode.FailedPrecondition:
                LogRefused(method, Errors.ReasonOf(e).Name(), e.Status.Detail);
                break;
            case StatusCode.Unavailable:
                LogUnavailable(method, e.Status.Detail);
                break;
            case StatusCode.Unauthenticated or StatusCode.PermissionDenied:
                LogDenied(method, e.StatusCode, e.Status.Detail);
                break;
            case StatusCode.Cancelled:
                break;
            default:
                LogOther(method, e.StatusCode, e.Status.Detail);
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} refused bad input: {Detail}")]
    private partial void LogInvalid(string method, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} refused ({Reason}): {Detail}")]
    private partial void LogRefused(string method, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} denied the caller ({Code}): {Detail}")]
    private partial void LogDenied(string method, StatusCode code, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Method} answered {Code}: {Detail}")]
    private partial void LogOther(string method, StatusCode code, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} unavailable: {Detail}")]
    private partial void LogUnavailable(string method, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} failed")]
    private partial void LogFailed(Exception exception, string method);
}
