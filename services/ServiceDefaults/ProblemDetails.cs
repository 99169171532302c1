using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Mtaeda.ServiceDefaults;

namespace Microsoft.Extensions.Hosting;

/// <summary>problem+json (RFC 9457) for every error an MTAEDA service returns over HTTP.</summary>
public static class ProblemDetailsExtensions
{
    /// <summary>
    /// Registers problem details and the exception handling behind <c>MapDefaultEndpoints()</c>:
    /// <list type="bullet">
    /// <item><description>bad input is a 400 whose <c>errors</c> name the field as it is spelled in the JSON: a
    /// <see cref="System.ComponentModel.DataAnnotations.ValidationException"/> (e.g. from
    /// <c>Validator.ValidateObject</c> or a domain rule), the built-in minimal-API validation of DataAnnotations, or a
    /// request body whose JSON does not fit (the JSON path is the field);</description></item>
    /// <item><description>a CloudEvent already being handled by another delivery (<see cref="EventInProgressException"/>)
    /// is a 409, which Dapr retries later;</description></item>
    /// <item><description>anything else is a 500 problem without internals.</description></item>
    /// </list>
    /// Client errors are logged once, as a warning, by the handler; every problem carries <c>traceId</c>.
    /// </summary>
    /// <remarks>
    /// The built-in validation of request types (.NET 10 <c>AddValidation()</c>) is driven by a source generator that
    /// only sees the project calling <c>AddValidation()</c>: this method installs the runtime, but each service must
    /// also call <c>builder.Services.AddValidation()</c> in its own project (e.g. in its
    /// <c>AddApplicationServices()</c>) for the DataAnnotations on its own request types to be checked.
    /// </remarks>
    /// <typeparam name="TBuilder">The host builder type.</typeparam>
    /// <param name="builder">The host builder.</param>
    /// <returns>The same builder.</returns>
    public static TBuilder AddDefaultProblemDetails<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Instance ??= $"{context.HttpContext.Request.Method} {context.HttpContext.Request.Path}";
            context.ProblemDetails.Extensions.TryAdd("traceId", Activity.Current?.Id ?? context.HttpContext.TraceIdentifier);
            if (context.ProblemDetails is HttpValidationProblemDetails validation)
            {
                NameFieldsAsSent(validation, context.HttpContext);
            }
        });
        builder.Services.AddExceptionHandler<ClientErrorExceptionHandler>();
        // Minimal APIs throw BadHttpRequestException for unreadable input (instead of an empty 400 outside
        // Development), so the handler can say which parameter or field was wrong.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddValidation();
        return builder;
    }

    // Validation reports C# member names ("TurnstileId", "Address.PostCode"); the caller sent JSON names
    // ("turnstileId", "address.postCode"), so the errors are keyed the way the field appears in the request.
    private static void NameFieldsAsSent(HttpValidationProblemDetails validation, HttpContext context)
    {
        var policy = context.RequestServices.GetService<IOptions<JsonOptions>>()?.Value.SerializerOptions.PropertyNamingPolicy;
        if (policy is null || validation.Errors.Count == 0)
        {
            return;
        }

        var renamed = validation.Errors
            .GroupBy(error => string.Join('.', error.Key.Split('.').Select(part => part.Length == 0 ? part : policy.ConvertName(part))), StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.SelectMany(error => error.Value).ToArray(), StringComparer.Ordinal);
        validation.Errors.Clear();
        foreach (var (field, messages) in renamed)
        {
            validation.Errors[field] = messages;
        }
    }
}
