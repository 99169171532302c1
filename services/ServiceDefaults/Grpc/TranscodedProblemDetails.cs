using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Rpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ProblemDetails = Microsoft.AspNetCore.Mvc.ProblemDetails;

namespace Mtaeda.ServiceDefaults;

/// <summary>
/// Errors of gRPC calls made over HTTP (JSON transcoding) as problem+json, like every other HTTP error of an MTAEDA
/// service: bad input is a 400 whose <c>errors</c> name each field (from the <c>BadRequest</c> detail), a refused
/// command carries <c>reason</c> (from the <c>ErrorInfo</c> detail), and <c>grpcStatus</c> is the gRPC code.
/// </summary>
public static class TranscodedProblemDetails
{
    /// <summary>The error details the services attach, for reading and writing them as JSON.</summary>
    public static readonly TypeRegistry Details = TypeRegistry.FromMessages(BadRequest.Descriptor, ErrorInfo.Descriptor, ResourceInfo.Descriptor);

    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithTypeRegistry(Details).WithIgnoreUnknownFields(true));

    /// <summary>Rewrites the error responses of transcoded calls as problem+json; other responses pass as they are.</summary>
    /// <param name="app">The app, after <c>UseRouting()</c>.</param>
    /// <returns>The same app.</returns>
    public static IApplicationBuilder UseTranscodedProblemDetails(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<GrpcJsonTranscodingMetadata>() is null)
            {
                await next(context);
                return;
            }

            var original = context.Response.Body;
            using var buffer = new MemoryStream();
            context.Response.Body = buffer;
            try
            {
                await next(context);
            }
            finally
            {
                context.Response.Body = original;
            }

            buffer.Position = 0;
            if (context.Response.StatusCode < 400 || buffer.Length == 0 || ReadStatus(buffer) is not { } status)
            {
                buffer.Position = 0;
                await buffer.CopyToAsync(original, context.RequestAborted);
                return;
            }

            context.Response.ContentLength = null;
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = ToProblem(status, context.Response.StatusCode),
            });
        });
    }

    private static Google.Rpc.Status? ReadStatus(Stream json)
    {
        try
        {
            using var reader = new StreamReader(json, leaveOpen: true);
            return Parser.Parse<Google.Rpc.Status>(reader);
        }
        catch (Exception e) when (e is InvalidJsonException or InvalidProtocolBufferException or FormatException)
        {
            return null;
        }
    }

    private static ProblemDetails ToProblem(Google.Rpc.Status status, int httpStatus)
    {
        var code = (Grpc.Core.StatusCode)status.Code;
        ProblemDetails problem = status.GetDetail<BadRequest>() is { FieldViolations.Count: > 0 } badRequest
            ? new HttpValidationProblemDetails(badRequest.FieldViolations
                .GroupBy(v => v.Field, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Select(v => v.Description).ToArray(), StringComparer.Ordinal))
            : new ProblemDetails();
        problem.Status = httpStatus;
        problem.Title = code.ToString();
        problem.Detail = status.Message;
        problem.Extensions["grpcStatus"] = code.ToString();
        if (status.GetDetail<ErrorInfo>() is { } info)
        {
            problem.Extensions["reason"] = info.Reason;
            problem.Extensions["domain"] = info.Domain;
            if (info.Metadata.Count > 0) problem.Extensions["metadata"] = info.Metadata.ToDictionary(p => p.Key, p => p.Value);
        }
        return problem;
    }
}
