using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ProblemDetails = Microsoft.AspNetCore.Mvc.ProblemDetails;

namespace Mtaeda.ServiceDefaults;

/// <summary>
/// Turns the exceptions that mean "the caller sent something wrong" into problem+json client errors naming the
/// field, and logs each once as a warning. Every other exception is left to the default handler (a 500 problem,
/// logged as an error).
/// </summary>
internal sealed class ClientErrorExceptionHandler(
    IProblemDetailsService problemDetails,
    ILogger<ClientErrorExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            ValidationException validation => FromValidation(validation),
            BadHttpRequestException badRequest => FromBadRequest(badRequest),
            EventInProgressException inProgress => new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "The event is being handled by another delivery.",
                Detail = inProgress.Message,
            },
            _ => null,
        };
        if (problem is null)
        {
            return false;
        }

        logger.LogWarning("{Method} {Path} answered {Status}: {Detail}",
            httpContext.Request.Method, httpContext.Request.Path.Value, problem.Status, DescribeForLog(problem));
        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    private static HttpValidationProblemDetails FromValidation(ValidationException exception)
    {
        // Member names are renamed to their JSON spelling when the problem is written (ProblemDetailsExtensions).
        var message = exception.ValidationResult.ErrorMessage ?? exception.Message;
        var members = exception.ValidationResult.MemberNames.DefaultIfEmpty(string.Empty);
        return new HttpValidationProblemDetails(members.Distinct().ToDictionary(member => member, _ => new[] { message }))
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "One or more validation errors occurred.",
            Detail = message,
        };
    }

    private static ProblemDetails FromBadRequest(BadHttpRequestException exception)
    {
        // A body that is not valid JSON for the target type: the JSON path names the field ("$.count" -> "count").
        if (exception.InnerException is JsonException { Path: { } path } json)
        {
            var field = path.TrimStart('$').TrimStart('.');
            return new HttpValidationProblemDetails(new Dictionary<string, string[]>
            {
                [field.Length == 0 ? "body" : field] = [FirstSentence(json.Message)],
            })
            {
                Status = exception.StatusCode,
                Title = "The request body is not valid.",
                Detail = exception.Message,
            };
        }

        return new ProblemDetails
        {
            Status = exception.StatusCode,
            Title = "The request is not valid.",
            Detail = exception.Message,
        };
    }

    // System.Text.Json appends "Path: ... | LineNumber: ..."; the path is already the key.
    private static string FirstSentence(string message)
    {
        var index = message.IndexOf(" Path:", StringComparison.Ordinal);
        return index > 0 ? message[..index] : message;
    }

    private static string? DescribeForLog(ProblemDetails problem) =>
        problem is HttpValidationProblemDetails { Errors.Count: > 0 } validation
            ? string.Join("; ", validation.Errors.Select(error => $"{error.Key}: {string.Join(' ', error.Value)}"))
            : problem.Detail;
}
