using Mtaeda.Contracts;
using Mtaeda.Contracts.Notifications.V1;
using Mtaeda.Contracts.Scheduling.V1;

namespace Mtaeda.Notifications.Domain;

/// <summary>What makes a notification configuration valid, and which alerts it is told of.</summary>
public static class ConfigurationRules
{
    /// <summary>The longest name.</summary>
    public const int MaxNameLength = 200;

    /// <summary>The longest template part.</summary>
    public const int MaxTemplateLength = 8000;

    /// <summary>The most e-mail recipients.</summary>
    public const int MaxRecipients = 50;

    /// <summary>Checks a configuration before it is saved, templates included.</summary>
    /// <param name="configuration">The configuration.</param>
    /// <exception cref="ConfigurationException">A field is invalid (named by <see cref="ConfigurationException.Field"/>).</exception>
    public static void Validate(NotificationConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        Require(configuration.ConfigurationId.Length > 0, "configuration.configuration_id", "is required");
        Require(Ids.IsValid(configuration.ConfigurationId), "configuration.configuration_id", Ids.Rule);
        Require(configuration.Name.Trim().Length > 0, "configuration.name", "is required");
        Require(configuration.Name.Length <= MaxNameLength, "configuration.name", $"must be at most {MaxNameLength} characters");
        Require(configuration.EventKinds.Count > 0, "configuration.event_kinds", "needs at least one kind");
        Require(configuration.EventKinds.All(k => k != NotificationEventKind.Unspecified && Enum.IsDefined(k)), "configuration.event_kinds", "has an unknown kind");
        Require(configuration.StationIds.All(Ids.IsValid), "configuration.station_ids", "each " + Ids.Rule);
        Require(Enum.IsDefined(configuration.MinimumPriority), "configuration.minimum_priority", "is not a priority");

        var channels = configuration.Channels;
        Require(channels is not null && (channels.Dashboard || channels.Email is not null || channels.Webhook is not null), "configuration.channels", "needs at least one channel");
        if (channels!.Email is { } email)
        {
            Require(email.To.Count is > 0 and <= MaxRecipients, "configuration.channels.email.to", $"needs 1 to {MaxRecipients} addresses");
            Require(email.To.All(IsMailAddress), "configuration.channels.email.to", "has an address that is not an e-mail address");
        }
        if (channels.Webhook is { } webhook)
        {
            Require(Uri.TryCreate(webhook.Url, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp),
                "configuration.channels.webhook.url", "must be an absolute http or https URL");
            Require(webhook.SecretName.Length > 0, "configuration.channels.webhook.secret_name", "is required (the name of the signing secret in the secret store)");
            Require(Ids.IsValid(webhook.SecretName), "configuration.channels.webhook.secret_name", Ids.Rule);
        }

        var template = configuration.Template;
        Require(template is not null && template.Body.Length > 0, "configuration.template.body", "is required");
        Require(template!.Subject.Length <= MaxTemplateLength, "configuration.template.subject", $"must be at most {MaxTemplateLength} characters");
        Require(template.Body.Length <= MaxTemplateLength, "configuration.template.body", $"must be at most {MaxTemplateLength} characters");
        Template.Parse(template.Subject, "configuration.template.subject");
        Template.Parse(template.Body, "configuration.template.body");
    }

    /// <summary>
    /// Whether <paramref name="configuration"/> is told of an alert: its kind, station and priority; a watch-list match
    /// (<see cref="NotificationEventKind.OffenderIdentified"/>) only when the configuration is one of the offender's
    /// law-enforcement recipients (<see cref="AlertFacts.Recipients"/>, configuration ids).
    /// </summary>
    /// <param name="configuration">The configuration.</param>
    /// <param name="facts">The alert.</param>
    /// <returns>True when it is.</returns>
    public static bool Matches(NotificationConfiguration configuration, AlertFacts facts)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(facts);
        return configuration.EventKinds.Contains(facts.Kind)
            && (facts.Kind != NotificationEventKind.OffenderIdentified || (facts.Recipients ?? []).Contains(configuration.ConfigurationId))
            && (configuration.StationIds.Count == 0 || configuration.StationIds.Contains(facts.StationId))
            && (configuration.MinimumPriority == MaintenancePriority.Unspecified || facts.Priority >= configuration.MinimumPriority);
    }

    private static bool IsMailAddress(string address) =>
        System.Net.Mail.MailAddress.TryCreate(address, out var parsed) && parsed.Address == address.Trim();

    private static void Require(bool condition, string field, string description)
    {
        if (!condition) throw new ConfigurationException(field, description);
    }
}
