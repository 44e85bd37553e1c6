using SkiaSharp;

namespace Therese.Server.Attachments.Reading;

/// <summary>
/// An image as models receive it: upright, no side over 1,568 px, PNG or JPEG (WebP kept when it already fits).
/// Its size is read from its header before anything is decoded, so a huge image is refused without its pixels.
/// </summary>
public static class ImagePreview
{
    /// <summary>Anthropic refuses images over 5 MB; Ollama reads PNG, JPEG and WebP, not GIF.</summary>
    private const int MaxPreviewBytes = 3_750_000;

    public static FileReading Read(byte[] bytes, string mediaType, ReadingLimits limits)
    {
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data) ?? throw ReadFailure.Corrupt("Cette image est endommagée : THÉRÈSE n’a pas pu la lire.");
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if (width <= 0 || height <= 0) throw ReadFailure.Corrupt("Cette image est endommagée : elle n’a pas de taille.");

        // JPEG and WebP decode straight to a smaller size; the others decode whole, within the pixel cap.
        var scale = Math.Min(1f, limits.MaxImageSide / (float)Math.Max(width, height));
        var decoded = codec.GetScaledDimensions(scale);
        if ((long)decoded.Width * decoded.Height > limits.MaxDecodedPixels)
            throw ReadFailure.Corrupt($"Cette image est trop grande ({FrenchText.Number(width)} × {FrenchText.Number(height)} pixels) : " +
                $"{FrenchText.Number(limits.MaxDecodedPixels / 1_000_000)} millions de pixels au plus.");

        var origin = codec.EncodedOrigin;
        var sideways = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var needsWork = scale < 1f || origin != SKEncodedOrigin.TopLeft || mediaType == MediaTypes.Gif || bytes.Length > MaxPreviewBytes;
        if (!needsWork)
            return Reading(mediaType, bytes, mediaType, width, height);

        var info = new SKImageInfo(decoded.Width, decoded.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
            throw ReadFailure.Corrupt("Cette image est endommagée : THÉRÈSE n’a pas pu la lire.");

        var (w, h) = Fit(width, height, limits.MaxImageSide);
        if (sideways) (w, h) = (h, w);
        using var upright = Draw(bitmap, origin, w, h, sideways);
        var opaque = IsOpaque(upright);
        using var image = SKImage.FromBitmap(upright);
        var encoded = opaque ? null : image.Encode(SKEncodedImageFormat.Png, 100);
        if (encoded is not null && encoded.Size <= MaxPreviewBytes)
            using (encoded) return Reading(mediaType, encoded.ToArray(), MediaTypes.Png, w, h);
        encoded?.Dispose();
        using var jpeg = Flatten(upright).Encode(SKEncodedImageFormat.Jpeg, 85);
        return Reading(mediaType, jpeg.ToArray(), MediaTypes.Jpeg, w, h);
    }

    private static FileReading Reading(string mediaType, byte[] preview, string previewType, int width, int height) => new()
    {
        MediaType = mediaType,
        Kind = AttachmentKinds.Image,
        Preview = preview,
        PreviewType = previewType,
        Width = width,
        Height = height,
    };

    private static (int Width, int Height) Fit(int width, int height, int side)
    {
        if (width <= side && height <= side) return (width, height);
        var scale = side / (double)Math.Max(width, height);
        return (Math.Max(1, (int)Math.Round(width * scale)), Math.Max(1, (int)Math.Round(height * scale)));
    }

    /// <summary>The decoded pixels drawn at the final size, turned the way the camera's EXIF orientation says.</summary>
    private static SKBitmap Draw(SKBitmap source, SKEncodedOrigin origin, int width, int height, bool sideways)
    {
        var target = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(target);
        canvas.Clear(SKColors.Transparent);
        var (drawW, drawH) = sideways ? (height, width) : (width, height);
        canvas.SetMatrix(OriginMatrix(origin, width, height));
        using var image = SKImage.FromBitmap(source);
        using var paint = new SKPaint();
        canvas.DrawImage(image, new SKRect(0, 0, drawW, drawH), new SKSamplingOptions(SKCubicResampler.Mitchell), paint);
        return target;
    }

    private static SKMatrix OriginMatrix(SKEncodedOrigin origin, int w, int h) => origin switch
    {
        SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),
        SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightTop => new SKMatrix(0, -1, w, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, w, -1, 0, h, 0, 0, 1),
        SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, h, 0, 0, 1),
        _ => SKMatrix.Identity,
    };

    private static bool IsOpaque(SKBitmap bitmap)
    {
        var pixels = bitmap.GetPixelSpan();
        for (var i = 3; i < pixels.Length; i += 4)
            if (pixels[i] != 255) return false;
        return true;
    }

    /// <summary>JPEG has no transparency: transparent parts become white, as they show on a page.</summary>
    private static SKImage Flatten(SKBitmap bitmap)
    {
        using var surface = SKSurface.Create(new SKImageInfo(bitmap.Width, bitmap.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        surface.Canvas.Clear(SKColors.White);
        using var image = SKImage.FromBitmap(bitmap);
        surface.Canvas.DrawImage(image, 0, 0, new SKSamplingOptions(SKFilterMode.Nearest));
        return surface.Snapshot();
    }
}
