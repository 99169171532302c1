using Grpc.AspNetCore.Server;
using Microsoft.Extensions.DependencyInjection;
using Mtaeda.ServiceDefaults;

namespace Microsoft.Extensions.Hosting;

/// <summary>How every MTAEDA service serves its public gRPC API.</summary>
public static class GrpcApiExtensions
{
    /// <summary>
    /// gRPC with the <see cref="ErrorInterceptor"/> (one error model, logged once) and HTTP JSON transcoding of every RPC
    /// annotated with <c>google.api.http</c>, in canonical proto3 JSON (int64 as strings). Errors of transcoded calls are
    /// answered as problem+json (see <c>MapDefaultEndpoints()</c>).
    /// </summary>
    /// <typeparam name="TBuilder">The host builder type.</typeparam>
    /// <param name="builder">The host builder.</param>
    /// <returns>The gRPC server builder.</returns>
    public static IGrpcServerBuilder AddGrpcApi<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Services
            .AddGrpc(options => options.Interceptors.Add<ErrorInterceptor>())
            .AddJsonTranscoding(transcoding =>
            {
                transcoding.JsonSettings.WriteInt64sAsStrings = true;
                transcoding.TypeRegistry = TranscodedProblemDetails.Details;
            });
    }
}
