using System.ComponentModel.DataAnnotations;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Mtaeda.Testing;

namespace Mtaeda.ServiceDefaults.Tests;

public sealed class ProblemDetailsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly CapturingLoggerProvider logs = new();

    // AddValidation() here too: the validation source generator only covers the project that calls it.
    private Task<TestApp> StartAsync() => TestApp.StartAsync(services: builder =>
    {
        builder.Services.AddValidation();
        builder.Logging.AddProvider(logs);
    }, endpoints: app =>
    {
        app.MapPost("/turnstiles", (RegisterTurnstile command) => Results.Accepted(value: command.TurnstileId));
        app.MapPost("/gates", (GateCount body) =>
        {
            if (body.Gates % 2 != 0)
            {
                throw new ValidationException(new ValidationResult("A station has an even number of gates.", [nameof(GateCount.Gates)]), null, null);
            }

            return Results.NoContent();
        });
        app.MapGet("/boom", IResult () => throw new InvalidOperationException("connection string leaked here"));
    });

    [Fact]
    public async Task A_DataAnnotations_violation_is_a_400_problem_naming_the_field()
    {
        await using var service = await StartAsync();

        using var response = await service.Client.PostAsJsonAsync("/turnstiles", new { turnstileId = "", stationId = "ST-01" }, Ct);
        var problem = await ProblemAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.True(problem.GetProperty("errors").TryGetProperty("turnstileId", out var messages), problem.ToString());
        Assert.Contains("required", messages[0].GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_ValidationException_from_a_domain_rule_is_a_400_problem_naming_the_field()
    {
        await using var service = await StartAsync();

        using var response = await service.Client.PostAsJsonAsync("/gates", new { gates = 3 }, Ct);
        var problem = await ProblemAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("A station has an even number of gates.", problem.GetProperty("errors").GetProperty("gates")[0].GetString());
        Assert.Equal("POST /gates", problem.GetProperty("instance").GetString());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("traceId").GetString()));
    }

    [Fact]
    public async Task A_body_field_of_the_wrong_JSON_type_is_a_400_problem_naming_the_field()
    {
        await using var service = await StartAsync();

        using var content = new StringContent("""{"gates":"four"}""", System.Text.Encoding.UTF8, "application/json");
        using var response = await service.Client.PostAsync("/gates", content, Ct);
        var problem = await ProblemAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty("gates", out _), problem.ToString());
    }

    [Fact]
    public async Task An_unexpected_exception_is_a_500_problem_without_internals()
    {
        await using var service = await StartAsync();

        using var response = await service.Client.GetAsync("/boom", Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("connection string", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_route_is_a_problem_too()
    {
        await using var service = await StartAsync();

        using var response = await service.Client.GetAsync("/nowhere", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Bad_input_is_logged_once_as_a_warning_and_never_as_an_error()
    {
        await using var service = await StartAsync();

        using var response = await service.Client.PostAsJsonAsync("/gates", new { gates = 5 }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var warning = Assert.Single(logs.Entries, entry => entry.Level == LogLevel.Warning);
        Assert.Contains("gates", warning.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(logs.Entries, entry => entry.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task An_unexpected_exception_is_logged_once_as_an_error()
    {
        await using var service = await StartAsync();

        using var response = await service.Client.GetAsync("/boom", Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var error = Assert.Single(logs.Entries, entry => entry.Level >= LogLevel.Error);
        Assert.IsType<InvalidOperationException>(error.Exception);
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).Clone();
    }
}

public sealed record RegisterTurnstile([property: Required] string TurnstileId, [property: Required] string StationId);

public sealed record GateCount(int Gates);
