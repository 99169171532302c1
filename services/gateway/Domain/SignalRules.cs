using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Gateway.V1;

namespace Mtaeda.Gateway.Domain;

/// <summary>What makes a device signal valid; an invalid one is refused (<see cref="RejectionReason.InvalidSignal"/>) naming the field.</summary>
public static class SignalRules
{
    /// <summary>Most values a face capture's template may have.</summary>
    public const int MaxTemplateValues = 4096;

    /// <summary>Largest image crop of a face capture.</summary>
    public const int MaxImageBytes = 256 * 1024;

    /// <summary>Checks <paramref name="signal"/>; returns null when valid, else the message naming the field.</summary>
    /// <param name="signal">The signal.</param>
    /// <returns>The problem, or null.</returns>
    public static string? Validate(DeviceSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        if (signal.Sequence == 0) return "sequence: must be greater than 0";
        switch (signal.SignalCase)
        {
            case DeviceSignal.SignalOneofCase.None:
                return "signal: one of passage, fault, heartbeat or face_capture is required";
            case DeviceSignal.SignalOneofCase.Heartbeat:
                return null;
            case DeviceSignal.SignalOneofCase.Passage:
                if (signal.OccurredAt is null) return "occurred_at: required for a passage";
                if (signal.Passage.Direction is not (PassageDirection.Ingress or PassageDirection.Egress)) return "passage.direction: must be INGRESS or EGRESS";
                return ValidTime(signal);
            case DeviceSignal.SignalOneofCase.Fault:
                if (signal.OccurredAt is null) return "occurred_at: required for a fault";
                if (signal.Fault.Kind is not (FaultKind.Locked or FaultKind.Jammed or FaultKind.Malfunction)) return "fault.kind: must be LOCKED, JAMMED or MALFUNCTION";
                if (signal.Fault.Reason.Length > 500) return "fault.reason: at most 500 characters";
                return ValidTime(signal);
            case DeviceSignal.SignalOneofCase.FaceCapture:
                // Only the shape is checked here (identification checks the template's length and norm); a problem names the
                // field, never a value of the template or the image.
                if (signal.OccurredAt is null) return "occurred_at: required for a face capture";
                if (!Contracts.Ids.IsValid(signal.FaceCapture.CameraId)) return "face_capture.camera_id: " + (signal.FaceCapture.CameraId.Length == 0 ? "required" : Contracts.Ids.Rule);
                if (signal.FaceCapture.Direction is not (PassageDirection.Ingress or PassageDirection.Egress)) return "face_capture.direction: must be INGRESS or EGRESS";
                if (signal.FaceCapture.Template.Count is 0 or > MaxTemplateValues) return $"face_capture.template: 1 to {MaxTemplateValues} values required";
                if (signal.FaceCapture.Image.Length > MaxImageBytes) return $"face_capture.image: at most {MaxImageBytes} bytes";
                return ValidTime(signal);
            default:
                return "signal: unknown kind";
        }
    }

    private static string? ValidTime(DeviceSignal signal)
    {
        var time = signal.OccurredAt;
        // Timestamp's own range: 0001-01-01 to 9999-12-31, nanos 0..999,999,999.
        return time.Seconds is < -62135596800 or > 253402300799 || time.Nanos is < 0 or > 999_999_999
            ? "occurred_at: not a valid time"
            : null;
    }
}
