using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Mtaeda.Dashboard.Alerts;

namespace Mtaeda.Dashboard.Backend;

/// <summary>Who gets what, through which channel, with which template (notifications' NotificationConfiguration, proto3 JSON).</summary>
public sealed class NotificationConfiguration
{
    /// <summary>The configuration's id (empty for a new one).</summary>
    public string ConfigurationId { get; set; } = string.Empty;

    /// <summary>A name for people.</summary>
    [Required, StringLength(100)]
    public string Name { get; set; } = string.Empty;

    /// <summary>The event kinds it reacts to (at least one).</summary>
    [MinLength(1, ErrorMessage = "Choose at least one event kind.")]
    public List<string> EventKinds { get; set; } = [];

    /// <summary>The stations it reacts to; empty for all.</summary>
    public List<string> StationIds { get; set; } = [];

    /// <summary>The lowest priority it reacts to.</summary>
    [Required]
    public string MinimumPriority { get; set; } = "MAINTENANCE_PRIORITY_LOW";

    /// <summary>The channel: dashboard push, e-mail or webhook.</summary>
    [Required]
    public string Channel { get; set; } = Channels.Dashboard;

    /// <summary>The e-mail address or webhook URL (not for the dashboard channel).</summary>
    public string Target { get; set; } = string.Empty;

    /// <summary>The message template; notifications refuses one naming an unknown field.</summary>
    [Required, StringLength(2000)]
    public string Template { get; set; } = string.Empty;

    /// <summary>A copy to edit.</summary>
    /// <returns>The copy.</returns>
    public NotificationConfiguration Copy() => new()
    {
        ConfigurationId = ConfigurationId, Name = Name, EventKinds = [.. EventKinds], StationIds = [.. StationIds],
        MinimumPriority = MinimumPriority, Channel = Channel, Target = Target, Template = Template,
    };

    /// <summary>What must hold before the configuration is sent, beyond the attributes: a target fitting the channel.</summary>
    /// <returns>The problems, by field; empty when valid.</returns>
    public IReadOnlyList<(string Field, string Message)> Problems()
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true);
        var problems = results.SelectMany(r => r.MemberNames.DefaultIfEmpty(string.Empty).Select(m => (m, r.ErrorMessage ?? "is not valid"))).ToList();
        switch (Channel)
        {
            case Channels.Email when !new EmailAddressAttribute().IsValid(Target) || Target.Length == 0:
                problems.Add((nameof(Target), "An e-mail channel needs an e-mail address."));
                break;
            case Channels.Webhook when !Uri.TryCreate(Target, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"):
                problems.Add((nameof(Target), "A webhook channel needs an http(s) URL."));
                break;
            case Channels.Dashboard or Channels.Email or Channels.Webhook:
                break;
            default:
                problems.Add((nameof(Channel), $"Unknown channel '{Channel}'."));
                break;
        }
        return problems;
    }
}

/// <summary>The channel names of notifications' API.</summary>
public static class Channels
{
    /// <summary>Push to the dashboard through the hub.</summary>
    public const string Dashboard = "CHANNEL_DASHBOARD";

    /// <summary>E-mail through SMTP.</summary>
    public const string Email = "CHANNEL_EMAIL";

    /// <summary>A signed webhook.</summary>
    public const string Webhook = "CHANNEL_WEBHOOK";

    /// <summary>All three, with their labels.</summary>
    public static readonly IReadOnlyList<(string Value, string Label)> All = [(Dashboard, "Dashboard"), (Email, "E-mail"), (Webhook, "Webhook")];
}

/// <summary>One delivery of the delivery log.</summary>
public sealed record Delivery
{
    /// <summary>The delivery's id.</summary>
    public string DeliveryId { get; init; } = string.Empty;

    /// <summary>The configuration it came from.</summary>
    public string ConfigurationId { get; init; } = string.Empty;

    /// <summary>The alert or event it delivered.</summary>
    public string AlertId { get; init; } = string.Empty;

    /// <summary>The channel.</summary>
    public string Channel { get; init; } = string.Empty;

    /// <summary>Where to.</summary>
    public string Target { get; init; } = string.Empty;

    /// <summary>sent or failed (or pending).</summary>
    [JsonConverter(typeof(TextOrNumberConverter))]
    public string Status { get; init; } = string.Empty;

    /// <summary>How many attempts.</summary>
    public int Attempts { get; init; }

    /// <summary>Why it failed.</summary>
    public string Error { get; init; } = string.Empty;

    /// <summary>The last attempt.</summary>
    public DateTimeOffset? LastAttemptAt { get; init; }
}

/// <summary>GET /v1/alerts.</summary>
/// <param name="Alerts">The alerts.</param>
public sealed record AlertList(IReadOnlyList<AlertMessage>? Alerts);

/// <summary>GET /v1/notification-configurations.</summary>
/// <param name="Configurations">The configurations.</param>
public sealed record ConfigurationList(IReadOnlyList<NotificationConfiguration>? Configurations);

/// <summary>GET /v1/notification-deliveries.</summary>
/// <param name="Deliveries">The log, newest first.</param>
public sealed record DeliveryList(IReadOnlyList<Delivery>? Deliveries);
