using System.Net.Http.Json;
using System.Text.Json;
using Mtaeda.Dashboard.Alerts;

namespace Mtaeda.Dashboard.Backend;

/// <summary>
/// Notifications' API (alerts, configurations, delivery log) through the dashboard's sidecar: Dapr service invocation over
/// HTTP (<c>/v1.0/invoke/notifications/method/…</c>) to notifications' JSON transcoding of its gRPC service, so the dashboard
/// reads the same contract without a compiled copy of notifications' protos. Refusals come back as problem details.
/// </summary>
/// <param name="http">An HttpClient whose base address is the sidecar's invoke URL of notifications.</param>
/// <param name="reachability">Where reachability is recorded.</param>
public sealed class NotificationsApi(HttpClient http, Reachability reachability)
{
    /// <summary>The app id.</summary>
    public const string AppId = "notifications";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The base address of notifications' methods through a sidecar.</summary>
    /// <param name="configuration">The app's configuration (DAPR_HTTP_PORT).</param>
    /// <returns>The URL.</returns>
    public static Uri BaseAddress(IConfiguration configuration) =>
        new($"{ServiceDefaults.DaprSidecar.HttpEndpoint(configuration).TrimEnd('/')}/v1.0/invoke/{AppId}/method/");

    /// <summary>The alerts, newest first.</summary>
    /// <param name="stationId">Only this station's, when given.</param>
    /// <param name="unacknowledged">Only those not acknowledged.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The alerts.</returns>
    public async Task<IReadOnlyList<AlertMessage>> ListAlertsAsync(string? stationId = null, bool unacknowledged = false, CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        if (!string.IsNullOrEmpty(stationId)) query.Add("station_id=" + Uri.EscapeDataString(stationId));
        if (unacknowledged) query.Add("unacknowledged=true");
        var list = await SendAsync<AlertList>(HttpMethod.Get, "v1/alerts" + (query.Count > 0 ? "?" + string.Join('&', query) : string.Empty), null, cancellationToken);
        return [.. (list.Alerts ?? []).OrderByDescending(a => a.OccurredAt)];
    }

    /// <summary>Acknowledges an alert on behalf of <paramref name="by"/>.</summary>
    /// <param name="alertId">The alert.</param>
    /// <param name="by">Who acknowledges (the signed-in user's name).</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The alert as acknowledged.</returns>
    public Task<AlertMessage> AcknowledgeAsync(string alertId, string by, CancellationToken cancellationToken = default) =>
        SendAsync<AlertMessage>(HttpMethod.Post, $"v1/alerts/{Uri.EscapeDataString(alertId)}:acknowledge", new { acknowledgedBy = by }, cancellationToken);

    /// <summary>The configurations.</summary>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The configurations.</returns>
    public async Task<IReadOnlyList<NotificationConfiguration>> ListConfigurationsAsync(CancellationToken cancellationToken = default) =>
        (await SendAsync<ConfigurationList>(HttpMethod.Get, "v1/notification-configurations", null, cancellationToken)).Configurations ?? [];

    /// <summary>Creates a configuration.</summary>
    /// <param name="configuration">The new configuration.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The configuration as stored.</returns>
    public Task<NotificationConfiguration> CreateConfigurationAsync(NotificationConfiguration configuration, CancellationToken cancellationToken = default) =>
        SendAsync<NotificationConfiguration>(HttpMethod.Post, "v1/notification-configurations", configuration, cancellationToken);

    /// <summary>Changes a configuration.</summary>
    /// <param name="configuration">The configuration, with its id.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The configuration as stored.</returns>
    public Task<NotificationConfiguration> ChangeConfigurationAsync(NotificationConfiguration configuration, CancellationToken cancellationToken = default) =>
        SendAsync<NotificationConfiguration>(HttpMethod.Put, $"v1/notification-configurations/{Uri.EscapeDataString(configuration.ConfigurationId)}", configuration, cancellationToken);

    /// <summary>Removes a configuration.</summary>
    /// <param name="configurationId">The configuration.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>When removed.</returns>
    public Task RemoveConfigurationAsync(string configurationId, CancellationToken cancellationToken = default) =>
        SendAsync<JsonElement>(HttpMethod.Delete, $"v1/notification-configurations/{Uri.EscapeDataString(configurationId)}", null, cancellationToken);

    /// <summary>The delivery log, newest first.</summary>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The deliveries.</returns>
    public async Task<IReadOnlyList<Delivery>> ListDeliveriesAsync(CancellationToken cancellationToken = default) =>
        [.. ((await SendAsync<DeliveryList>(HttpMethod.Get, "v1/notification-deliveries", null, cancellationToken)).Deliveries ?? []).OrderByDescending(d => d.LastAttemptAt)];

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null) request.Content = JsonContent.Create(body, body.GetType(), options: Json);
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            reachability.Down(AppId, e.Message);
            throw new ServiceUnreachableException(AppId, e);
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            // 5xx: notifications (or its sidecar) is away; 4xx: the service's own refusal, to show as it words it.
            if ((int)response.StatusCode >= 500)
            {
                var why = ServiceMessage.OfProblem(response.StatusCode, text);
                reachability.Down(AppId, why);
                throw new ServiceUnreachableException(AppId, new HttpRequestException(why, null, response.StatusCode));
            }
            reachability.Up(AppId);
            if (!response.IsSuccessStatusCode) throw new CommandRefusedException(ServiceMessage.OfProblem(response.StatusCode, text));
            if (typeof(T) == typeof(JsonElement) && text.Length == 0) return default!;
            return JsonSerializer.Deserialize<T>(text, Json) ?? throw new CommandRefusedException($"{AppId} answered {path} with nothing");
        }
    }
}
