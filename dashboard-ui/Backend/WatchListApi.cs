using Mtaeda.Contracts.Identification.V1;
using Mtaeda.Dashboard.Identity;

namespace Mtaeda.Dashboard.Backend;

/// <summary>
/// The image crop of a watch-list match, asked of identification through the dashboard's sidecar on behalf of a user
/// allowed to see it (<see cref="Permissions.CropRefusal"/>): for anyone else nothing is asked, so the image never reaches
/// their page. Neither the hub's push nor notifications' alerts carry an image.
/// </summary>
/// <param name="services">The clients.</param>
/// <param name="reachability">Where reachability is recorded.</param>
public sealed class WatchListApi(Services services, Reachability reachability)
{
    /// <summary>The app id.</summary>
    public const string AppId = "identification";

    /// <summary>The crop of an identification as a <c>data:</c> URI (JPEG), or null when the user may not see it or there is none.</summary>
    /// <param name="user">The signed-in user.</param>
    /// <param name="identificationId">The identification (the alert's).</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The data URI, or null.</returns>
    public async Task<string?> CropAsync(DashboardUser user, string identificationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (Permissions.CropRefusal(user) is not null || string.IsNullOrEmpty(identificationId)) return null;
        var record = await reachability.CallAsync(AppId, () => services.Identification.GetIdentificationAsync(
            new GetIdentificationRequest { IdentificationId = identificationId }, cancellationToken: cancellationToken).ResponseAsync);
        return record.Image.IsEmpty ? null : "data:image/jpeg;base64," + record.Image.ToBase64();
    }
}
