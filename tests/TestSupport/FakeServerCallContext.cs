using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Testing;

/// <summary>The least a gRPC service method needs from its call context.</summary>
public sealed class FakeServerCallContext(string method = "/mtaeda.test.v1.Test/Call", CancellationToken cancellationToken = default) : ServerCallContext
{
    private Status _status;
    private WriteOptions? _writeOptions;

    protected override string MethodCore => method;

    protected override string HostCore => "localhost";

    protected override string PeerCore => "ipv4:127.0.0.1:1";

    protected override DateTime DeadlineCore => DateTime.MaxValue;

    protected override Metadata RequestHeadersCore { get; } = [];

    protected override CancellationToken CancellationTokenCore => cancellationToken;

    protected override Metadata ResponseTrailersCore { get; } = [];

    protected override Status StatusCore { get => _status; set => _status = value; }

    protected override WriteOptions? WriteOptionsCore { get => _writeOptions; set => _writeOptions = value; }

    protected override AuthContext AuthContextCore { get; } = new(null, []);

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;

    /// <summary>
    /// Calls a service method with this context as the app serves it: through the one <see cref="ErrorInterceptor"/>, so a
    /// domain refusal comes out as the error model's <see cref="RpcException"/>.
    /// </summary>
    public Task<T> ServeAsync<T>(Func<ServerCallContext, Task<T>> call)
        where T : class =>
        new ErrorInterceptor(NullLogger<ErrorInterceptor>.Instance).UnaryServerHandler<object, T>(new object(), this, (_, context) => call(context));
}
