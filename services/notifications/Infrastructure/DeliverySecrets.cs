using Dapr.Client;

namespace Mtaeda.Notifications.Infrastructure;

/// <summary>
/// Secrets of the channels (webhook signing secrets, the SMTP password), read from the Dapr secret store named by
/// <see cref="NotificationsOptions.SecretStoreName"/>; never from configuration or the repository.
/// </summary>
/// <param name="dapr">The Dapr client.</param>
/// <param name="options">The store's name.</param>
public sealed class DeliverySecrets(DaprClient dapr, NotificationsOptions options)
{
    /// <summary>The secret's value.</summary>
    /// <param name="name">The secret's name.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The value.</returns>
    /// <exception cref="PermanentDeliveryException">The store has no such secret.</exception>
    public async Task<string> GetAsync(string name, CancellationToken cancellationToken)
    {
        var values = await dapr.GetSecretAsync(options.SecretStoreName, name, cancellationToken: cancellationToken);
        // A file or environment store answers {name: value}; a Kubernetes secret answers its keys: one key is the value.
        if (values.TryGetValue(name, out var value) || (values.Count == 1 && (value = values.Values.Single()) is not null)) return value;
        throw new PermanentDeliveryException($"the secret store '{options.SecretStoreName}' has no value for the secret '{name}'");
    }
}
