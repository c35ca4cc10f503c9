/** The producer service: DICOM from files, a watched inbox and C-STORE into CtSlice and SeriesManifest events. */
package io.spinestream.producer;
