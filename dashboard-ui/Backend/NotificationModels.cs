using System.ComponentModel.DataAnnotations;
using Google.Protobuf.Reflection;
using Mtaeda.Contracts.Notifications.V1;
using Mtaeda.Contracts.Scheduling.V1;

namespace Mtaeda.Dashboard.Backend;

/// <summary>The form of a notification configuration (notifications' <see cref="NotificationConfiguration"/>), checked before it is sent.</summary>
public sealed class ConfigurationForm
{
    /// <summary>The configuration's id (empty for a new one).</summary>
    public string ConfigurationId { get; set; } = string.Empty;

    /// <summary>A name for people.</summary>
    [Required(ErrorMessage = "Give the configuration a name."), StringLength(100)]
    public string Name { get; set; } = string.Empty;

    /// <summary>The event kinds it reacts to.</summary>
    public HashSet<NotificationEventKind> EventKinds { get; set; } = [];

    /// <summary>The stations, comma-separated; empty for all.</summary>
    public string StationIds { get; set; } = string.Empty;

    /// <summary>The least priority it reacts to.</summary>
    public MaintenancePriority MinimumPriority { get; set; } = MaintenancePriority.Low;

    /// <summary>Push to the dashboard.</summary>
    public bool Dashboard { get; set; } = true;

    /// <summary>E-mail recipients, comma-separated.</summary>
    public string EmailTo { get; set; } = string.Empty;

    /// <summary>The webhook's URL.</summary>
    public string WebhookUrl { get; set; } = string.Empty;

    /// <summary>The name of the webhook's signing secret in the secret store.</summary>
    public string WebhookSecretName { get; set; } = string.Empty;

    /// <summary>The subject (e-mail).</summary>
    public string Subject { get; set; } = string.Empty;

    /// <summary>The body: text with {field} placeholders; notifications refuses an unknown field.</summary>
    [Required(ErrorMessage = "Write the message's template."), StringLength(4000)]
    public string Body { get; set; } = string.Empty;

    /// <summary>The event kinds one may choose, with their labels.</summary>
    public static IReadOnlyList<(NotificationEventKind Kind, string Label)> Kinds { get; } =
        [.. Enum.GetValues<NotificationEventKind>().Where(k => k != NotificationEventKind.Unspecified).Select(k => (k, Label(k)))];

    /// <summary>The words for an event kind.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>e.g. "Turnstile locked".</returns>
    public static string Label(NotificationEventKind kind)
    {
        var text = kind.ToString();
        return string.Concat(text.Select((c, i) => i > 0 && char.IsUpper(c) ? " " + char.ToLowerInvariant(c) : c.ToString()));
    }

    /// <summary>The protobuf name of an enum value (as the hub and JSON write it).</summary>
    /// <typeparam name="T">The enum.</typeparam>
    /// <param name="value">The value.</param>
    /// <returns>e.g. MAINTENANCE_PRIORITY_HIGH.</returns>
    public static string ProtoName<T>(T value)
        where T : struct, Enum =>
        typeof(T).GetField(value.ToString())?.GetCustomAttributes(typeof(OriginalNameAttribute), false).OfType<OriginalNameAttribute>().FirstOrDefault()?.Name ?? value.ToString();

    /// <summary>The form of a stored configuration.</summary>
    /// <param name="configuration">The configuration.</param>
    /// <returns>The form.</returns>
    public static ConfigurationForm From(NotificationConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new()
        {
            ConfigurationId = configuration.ConfigurationId,
            Name = configuration.Name,
            EventKinds = [.. configuration.EventKinds],
            StationIds = string.Join(", ", configuration.StationIds),
            MinimumPriority = configuration.MinimumPriority,
            Dashboard = configuration.Channels?.Dashboard ?? false,
            EmailTo = string.Join(", ", configuration.Channels?.Email?.To ?? []),
            WebhookUrl = configuration.Channels?.Webhook?.Url ?? string.Empty,
            WebhookSecretName = configuration.Channels?.Webhook?.SecretName ?? string.Empty,
            Subject = configuration.Template?.Subject ?? string.Empty,
            Body = configuration.Template?.Body ?? string.Empty,
        };
    }

    /// <summary>The configuration to send.</summary>
    /// <returns>The message.</returns>
    public NotificationConfiguration ToProto()
    {
        var channels = new NotificationChannels { Dashboard = Dashboard };
        if (Split(EmailTo) is { Count: > 0 } to) channels.Email = new EmailChannel { To = { to } };
        if (WebhookUrl.Trim().Length > 0) channels.Webhook = new WebhookChannel { Url = WebhookUrl.Trim(), SecretName = WebhookSecretName.Trim() };
        return new NotificationConfiguration
        {
            ConfigurationId = ConfigurationId,
            Name = Name.Trim(),
            EventKinds = { EventKinds.Order() },
            StationIds = { Split(StationIds) },
            MinimumPriority = MinimumPriority,
            Channels = channels,
            Template = new NotificationTemplate { Subject = Subject, Body = Body },
        };
    }

    /// <summary>What must hold before the configuration is sent.</summary>
    /// <returns>The problems, by field; empty when valid.</returns>
    public IReadOnlyList<(string Field, string Message)> Problems()
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true);
        var problems = results.SelectMany(r => r.MemberNames.DefaultIfEmpty(string.Empty).Select(m => (m, r.ErrorMessage ?? "is not valid"))).ToList();
        if (EventKinds.Count == 0) problems.Add((nameof(EventKinds), "Choose at least one event kind."));
        if (MinimumPriority == MaintenancePriority.Unspecified) problems.Add((nameof(MinimumPriority), "Choose the least priority."));
        var email = new EmailAddressAttribute();
        if (Split(EmailTo).FirstOrDefault(a => !email.IsValid(a)) is { } wrong) problems.Add((nameof(EmailTo), $"'{wrong}' is not an e-mail address."));
        if (WebhookUrl.Trim().Length > 0)
        {
            if (!Uri.TryCreate(WebhookUrl.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")) problems.Add((nameof(WebhookUrl), "A webhook needs an http(s) URL."));
            if (WebhookSecretName.Trim().Length == 0) problems.Add((nameof(WebhookSecretName), "Name the webhook's signing secret (in the secret store)."));
        }
        if (!Dashboard && Split(EmailTo).Count == 0 && WebhookUrl.Trim().Length == 0) problems.Add((nameof(Dashboard), "Choose at least one channel."));
        return problems;
    }

    private static List<string> Split(string list) => [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
